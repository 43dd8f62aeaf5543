import * as tf from '@tensorflow/tfjs';
import { Linear, Module, type Rng } from '@kd/core';
import { MlmTransform } from '../mlm-transform.js';
import { noDropout, type Dropout } from './dropout.js';

/**
 * RVL-BERT's answer head on the [MASK] state h (official code `final_mlp`, `spa_fusion_linear`,
 * `spa_linear`):
 *
 *   with the spatial module:  h ← W_out · Dropout₀.₅(ReLU(W_fuse · [h; C_so]))   (`fuse`, `fused`)
 *   logits = W_cls · Dropout₀.₅(LN_{ε=1e-12}(GELU(W_t h)))                   (`transform`, `classifier`)
 *
 * The transform is BERT's masked-token transform (`MlmTransform`), loaded from the pre-trained
 * model's (a VL transformer with `mlmTransform`: its `mlmTransform`); the
 * classifier's rows start as the mean word embedding of each answer's name, bias 0
 * (`CLASSIFIER_PRETRAINED`) — `initClassifierRows` does that.
 */
export class AnswerHead extends Module {
  readonly fuse?: Linear;
  readonly fused?: Linear;
  readonly transform: MlmTransform;
  readonly classifier: Linear;

  constructor(
    readonly width: number,
    readonly answers: number,
    readonly spatial: boolean,
    rng: Rng,
  ) {
    super();
    if (spatial) {
      this.fuse = this.addChild('fuse', new Linear(2 * width, width, rng));
      this.fused = this.addChild('fused', new Linear(width, width, rng));
    }
    this.transform = this.addChild('transform', new MlmTransform(width, rng));
    this.classifier = this.addChild('classifier', new Linear(width, answers, rng));
  }

  /** h [P, d] (and the spatial module's C [P, d] when it has one) → logits [P, answers]. */
  apply(h: tf.Tensor2D, spatial?: tf.Tensor2D, dropout: Dropout = noDropout): tf.Tensor2D {
    return tf.tidy(() => {
      let x: tf.Tensor = h;
      if (this.fuse && this.fused) {
        if (!spatial) throw new Error('AnswerHead: built with the spatial module, given no spatial features');
        x = this.fused.apply(dropout(tf.relu(this.fuse.apply(tf.concat([h, spatial], 1))), 0.5));
      }
      const t = this.transform.apply(x);
      return this.classifier.apply(dropout(t, 0.5)) as tf.Tensor2D;
    });
  }

  /**
   * Classifier row c ← the mean of the word embeddings `words[c]` ([n_c, d]); an answer given no words
   * (undefined) keeps its row. Every bias ← 0.
   */
  initClassifierRows(words: readonly (tf.Tensor2D | undefined)[]): void {
    if (words.length !== this.answers)
      throw new Error(`AnswerHead: ${words.length} answer names for ${this.answers} answers`);
    tf.tidy(() => {
      // the classifier's weight is [d, answers]: column c is answer c's row of PyTorch's [answers, d]
      const current = tf.unstack(this.classifier.weight, 1);
      const columns = words.map((w, c) => (w ? tf.mean(w, 0) : current[c]!));
      this.classifier.weight.assign(tf.stack(columns, 1));
      this.classifier.bias!.assign(tf.zerosLike(this.classifier.bias!));
    });
  }
}
