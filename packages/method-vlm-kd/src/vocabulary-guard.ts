import * as tf from '@tensorflow/tfjs';
import { UserError } from '@kd/core';

/**
 * Detects a frozen CLIP whose token ids mean other words than this run's (its `captioned` vocabulary
 * came from other training captions). Nothing in a saved CLIP records its vocabulary, so the check is
 * functional: over the first `samples` training samples, the CLIP's zero-shot predictions (its
 * `logits` tap: images vs this run's tokenised class-name prompts) must reach a balanced accuracy
 * (mean recall over the classes seen) of at least `minAccuracy`. With the right vocabulary a CLIP
 * trained on these captions is far above chance; with a shuffled one its class prompts name other
 * classes and it falls to about chance. A vocabulary of another *size* already fails when the
 * checkpoint is loaded (the token table's shape differs).
 */
export class VocabularyGuard {
  private readonly correct: number[];
  private readonly total: number[];
  private seen = 0;
  /** Set once the check has run (passed). */
  done = false;

  constructor(
    private readonly numClasses: number,
    private readonly minAccuracy: number,
    private readonly samples: number,
    private readonly textTeacher: string,
  ) {
    this.correct = new Array<number>(numClasses).fill(0);
    this.total = new Array<number>(numClasses).fill(0);
    if (minAccuracy <= 0) this.done = true;
  }

  /** Balanced zero-shot accuracy of the samples observed so far (NaN before any). */
  accuracy(): number {
    const recalls = this.total.flatMap((n, k) => (n > 0 ? [this.correct[k]! / n] : []));
    return recalls.length === 0 ? NaN : recalls.reduce((a, b) => a + b, 0) / recalls.length;
  }

  /** Adds one batch's zero-shot logits [B, K] and labels [B]; throws once enough samples fail the bar. */
  observe(logits: tf.Tensor, labels: tf.Tensor): void {
    if (this.done) return;
    const predicted = tf.tidy(() => tf.argMax(logits, 1).dataSync());
    const y = labels.dataSync();
    for (let i = 0; i < y.length; i++) {
      const k = y[i]!;
      if (k < 0 || k >= this.numClasses) continue;
      this.total[k]!++;
      if (predicted[i] === k) this.correct[k]!++;
    }
    this.seen += y.length;
    if (this.seen < this.samples) return;
    this.done = true;
    const acc = this.accuracy();
    if (acc < this.minAccuracy) {
      throw new UserError(
        `method 'vlm-kd': the frozen text encoder '${this.textTeacher}' classifies only ${(100 * acc).toFixed(1)}% (balanced) of the first ${this.seen} training images zero-shot, below hparams.vocabularyGuard ${this.minAccuracy}: its vocabulary likely comes from other captions — train the CLIP on this run's data section (extraTeachers.${this.textTeacher}.recipe) or set vocabularyGuard: 0`,
      );
    }
  }
}
