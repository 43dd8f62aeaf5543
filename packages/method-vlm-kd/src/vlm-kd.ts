import * as tf from '@tensorflow/tfjs';
import {
  channelsOf,
  deriveSeed,
  detach,
  injectable,
  isTrainable,
  LearnedTemperature,
  Rng,
  softTargetKL,
  UserError,
  type AuxModule,
  type Dataset,
  type DistillationMethod,
  type MethodSetupContext,
  type Participant,
  type StepContext,
  type TappedModel,
  type TapRequest,
  CAPTION_EMBEDDING_SIZE,
  facetOf,
  type BatchKeyRequest,
} from '@kd/core';
import { balancedSoftmaxCrossEntropy, classCounts, logClassPrior } from './balanced-softmax.js';
import { captionContrastive } from './caption-contrastive.js';
import { CaptionEmbeddingCache, type TextEncodeFn } from './caption-embedding-cache.js';
import { vlmKdHParams, type VlmKdHParams } from './hparams.js';
import { ImageProjection, l2Rows, TextAdaptor } from './text-adaptor.js';
import { VocabularyGuard } from './vocabulary-guard.js';

/** A text tower with a text-only entry point (e.g. @kd/models' ClipDualEncoder.encodeText). */
interface TextOnlyEncoder {
  encodeText(tokens: tf.Tensor, mask?: tf.Tensor): tf.Tensor2D;
}

const hasEncodeText = (m: unknown): m is TextOnlyEncoder =>
  typeof (m as Partial<TextOnlyEncoder>).encodeText === 'function';

/**
 * VLM-KD (Zhang et al. 2024, arXiv 2408.16930): captions written by a VLM for every training image
 * are distilled into a randomly initialised vision encoder, next to a vision-only teacher's KD and a
 * (long-tail-aware) classification loss. Per batch:
 *
 *   t_i = E_t(c_i)                                      frozen text encoder, cached once per caption
 *   u_i = norm(A(t_i)),  v_i = norm(P(f(x_i)))          adaptor A (2-layer MLP), projection P
 *   text = ½ [CE(v uᵀ/τ, diag) + CE(u vᵀ/τ, diag)]       (same-class pairs: hparams.sameClass)
 *   vkd  = T²·KL(softmax(z_T/T) ‖ softmax(z_S/T))        frozen vision teacher (z_S + log π: vkdPrior)
 *   bsce = CE(z_S + log π, y)                            balanced softmax (with task.weight 0)
 *
 * A, P and a learned τ are auxiliary modules, discarded after training; the saved student is f with
 * its classifier.
 */
@injectable()
export class VlmKdMethod implements DistillationMethod<VlmKdHParams> {
  private hparams: VlmKdHParams = vlmKdHParams.parse({});
  adaptor?: TextAdaptor;
  projection?: ImageProjection;
  learnedTemperature?: LearnedTemperature;
  /** Caption embeddings of the frozen text encoder (textSource 'encoder'). */
  cache?: CaptionEmbeddingCache;
  private guard?: VocabularyGuard;
  /**
   * The frozen text encoder the guard runs on a few batches. Not a participant of the step (no
   * method reads its taps each step, so the run does not forward it): the guard forwards the model.
   */
  private textModel?: TappedModel;
  private logPrior?: Float32Array;
  private numClasses = 0;

  setup(ctx: MethodSetupContext<VlmKdHParams>): void {
    this.disposeModules();
    this.guard = undefined;
    this.textModel = undefined;
    const h = (this.hparams = ctx.hparams);
    this.numClasses = ctx.data.numClasses;
    const studentDim = channelsOf(ctx.tap('student', 'embedding'));
    ctx.tap('student', 'logits');
    if (h.visionTeacher !== 'none') {
      if (!ctx.participants.some((p) => p.name === h.visionTeacher)) {
        throw new UserError(
          `method 'vlm-kd' needs the vision teacher '${h.visionTeacher}' (hparams.visionTeacher): add a 'teacher:' section, or set visionTeacher: none and weights.vkd: 0`,
        );
      }
      ctx.tap('teacher', 'logits', h.visionTeacher);
    }

    let textDim: number | undefined;
    if (h.textSource === 'encoder' && h.textTeacher === 'none') {
      textDim = undefined;
      this.cache = undefined;
    } else if (h.textSource === 'encoder') {
      const text = ctx.participants.find((p) => p.name === h.textTeacher);
      if (!text) {
        throw new UserError(
          `method 'vlm-kd' needs the frozen text encoder '${h.textTeacher}' (hparams.textTeacher): add extraTeachers.${h.textTeacher} (e.g. arch clip with recipe: a CLIP trained on this run's data section)`,
        );
      }
      if (isTrainable(text))
        throw new UserError(
          `method 'vlm-kd': the text encoder '${h.textTeacher}' must be frozen (extraTeachers.${h.textTeacher}.trainable: false)`,
        );
      textDim = channelsOf(ctx.tap('teacher', 'textEmbedding', h.textTeacher));
      this.cache = new CaptionEmbeddingCache(this.encoderOf(text, ctx.data.inputShape));
      if (h.vocabularyGuard > 0 && text.model.tapSpecs()['logits']) {
        this.textModel = text.model;
        this.guard = new VocabularyGuard(ctx.data.numClasses, h.vocabularyGuard, h.guardSamples, h.textTeacher);
      }
    } else {
      const dim = facetOf(ctx.data, CAPTION_EMBEDDING_SIZE);
      if (dim === undefined) {
        throw new UserError(
          "method 'vlm-kd': hparams.textSource 'precomputed' needs a captioned dataset whose caption file carries embeddings (data.options.captions: file with \"embeddings\")",
        );
      }
      textDim = dim;
      this.cache = undefined;
    }

    const sharedDim = h.projection === 'linear' ? h.projectionDim : studentDim;
    const rng = new Rng(deriveSeed(ctx.seed, 'vlm-kd', 'init'));
    // without a text encoder there is no text term, hence no adaptor, projection or temperature
    this.adaptor = textDim === undefined ? undefined : new TextAdaptor(textDim, h.adaptorHidden, sharedDim, rng);
    this.projection = textDim === undefined ? undefined : new ImageProjection(h.projection, studentDim, sharedDim, rng);
    this.learnedTemperature =
      textDim !== undefined && h.learnTemperature ? new LearnedTemperature(h.temperature) : undefined;

    const split = (ctx.data as Partial<Dataset>).split?.('train');
    this.logPrior = split?.labels ? logClassPrior(classCounts(split.labels, ctx.data.numClasses)) : undefined;
  }

  /** Sets the training class counts of the balanced softmax (when the data does not expose a train split). */
  setClassCounts(counts: ArrayLike<number>): void {
    this.logPrior = logClassPrior(counts);
  }

  private encoderOf(text: Participant, inputShape: readonly number[]): TextEncodeFn {
    const model = text.model;
    if (hasEncodeText(model)) return (tokens, mask) => model.encodeText(tokens, mask);
    // a model with only a textEmbedding tap: its text path must not depend on the image
    return (tokens, mask) =>
      tf.tidy(() => {
        const x = tf.zeros([tokens.shape[0]!, ...inputShape]);
        return model.forward({ x, tokens, tokenMask: mask }, { training: false, taps: new Set(['textEmbedding']) })[
          'textEmbedding'
        ] as tf.Tensor2D;
      });
  }

  /** The labels and the captions (as tokens for the text encoder, or precomputed embeddings). */
  requiredBatchKeys(): readonly BatchKeyRequest[] {
    const h = this.hparams;
    const text: BatchKeyRequest[] =
      h.textSource === 'precomputed'
        ? [
            {
              key: 'captionEmbedding',
              dtype: 'float32',
              rank: 1,
              why: "textSource 'precomputed' (a caption file with embeddings)",
            },
          ]
        : h.textTeacher === 'none'
          ? []
          : [
              {
                key: 'tokens',
                dtype: 'int32',
                rank: 1,
                why: 'the captions the text encoder embeds (data.dataset: captioned)',
              },
            ];
    return [{ key: 'y', dtype: 'int32', shape: [], why: 'one class per sample (long-tailed recognition)' }, ...text];
  }

  requiredTaps(): readonly TapRequest[] {
    const taps: TapRequest[] = [
      { role: 'student', tap: 'embedding' },
      { role: 'student', tap: 'logits' },
    ];
    if (this.hparams.visionTeacher !== 'none')
      taps.push({ role: 'teacher', tap: 'logits', model: this.hparams.visionTeacher });
    // the text encoder is not a tap: its embeddings are cached, so it does not run every step
    return taps;
  }

  auxModules(): readonly AuxModule[] {
    const aux: AuxModule[] = [];
    if (this.adaptor) aux.push({ name: 'textAdaptor', module: this.adaptor });
    if (this.projection?.linear) aux.push({ name: 'imageProjection', module: this.projection });
    if (this.learnedTemperature) aux.push({ name: 'temperature', module: this.learnedTemperature });
    return aux;
  }

  /** τ of this step: learned (a scalar tensor) or fixed. */
  temperature(): tf.Scalar | number {
    return this.learnedTemperature ? this.learnedTemperature.temperature() : this.hparams.temperature;
  }

  /** Frozen caption embeddings [B, E] of the batch (a constant: no gradient path to the text encoder). */
  captionEmbeddings(step: StepContext): tf.Tensor2D {
    const batch = step.batch;
    if (this.hparams.textSource === 'precomputed') {
      const e = batch['captionEmbedding'];
      if (!e)
        throw new UserError(
          "method 'vlm-kd': textSource 'precomputed' but the batch has no 'captionEmbedding' (a caption file with embeddings)",
        );
      return detach(e) as tf.Tensor2D;
    }
    const tokens = batch['tokens'];
    if (!tokens)
      throw new UserError("method 'vlm-kd': the batch has no caption 'tokens' (use data.dataset: captioned)");
    if (this.guard && !this.guard.done) this.checkVocabulary(step);
    return tf.tidy(() => this.cache!.embed(tokens, batch['tokenMask'] ?? tf.onesLike(tokens)));
  }

  private checkVocabulary(step: StepContext): void {
    const y = step.batch.y;
    if (!y) return;
    tf.tidy(() => {
      // the frozen text encoder: inference mode, no gradient
      const logits = step.forward(this.textModel!, step.batch, { taps: ['logits'] })['logits']!;
      this.guard!.observe(logits, y);
    });
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    const s = step.student;
    if (step.active.has('text')) {
      if (!this.adaptor)
        throw new UserError(
          "method 'vlm-kd': the text term needs a text encoder (hparams.textTeacher is 'none'); set weights.text: 0",
        );
      const embedding = s['embedding'];
      if (!embedding) throw new UserError("method 'vlm-kd': the student's forward returned no 'embedding' tap");
      out['text'] = tf.tidy(() => {
        const t = this.captionEmbeddings(step);
        const u = l2Rows(this.adaptor!.apply(t));
        const v = l2Rows(this.projection!.apply(embedding));
        return captionContrastive(v, u, this.temperature(), this.hparams.sameClass, step.batch.y);
      });
    }
    if (step.active.has('vkd')) {
      const name = this.hparams.visionTeacher;
      const t = name === 'none' ? undefined : step.outputs[name]?.['logits'];
      if (!t)
        throw new UserError(
          `method 'vlm-kd': the vkd term needs the vision teacher's logits (hparams.visionTeacher '${name}'); set weights.vkd: 0 without one`,
        );
      const prior = this.hparams.vkdPrior === 'student' ? this.requirePrior('vkd (vkdPrior: student)') : undefined;
      out['vkd'] = tf.tidy(() => {
        const student = prior ? tf.add(s['logits']!, tf.tensor1d(prior)) : s['logits']!;
        return softTargetKL(student, detach(t), this.hparams.vkdTemperature);
      });
    }
    if (step.active.has('bsce')) {
      const prior = this.requirePrior('bsce');
      if (!step.batch.y) throw new UserError("method 'vlm-kd': the bsce term needs labels (batch.y)");
      out['bsce'] = balancedSoftmaxCrossEntropy(s['logits']!, step.batch.y, prior);
    }
    return out;
  }

  /** log π of the training labels, or a one-line error naming the term that needs it. */
  private requirePrior(term: string): Float32Array {
    if (!this.logPrior)
      throw new UserError(
        `method 'vlm-kd': the ${term} term needs the training class counts (the dataset exposes no train split)`,
      );
    if (this.logPrior.length !== this.numClasses)
      throw new UserError(`method 'vlm-kd': ${this.logPrior.length} class counts for ${this.numClasses} classes`);
    return this.logPrior;
  }

  /**
   * After training: the vocabulary guard's measurement (balanced zero-shot accuracy of the frozen
   * text encoder on the first training images), so runs and sweeps show how far it was from the bar.
   */
  report(): Record<string, number> {
    const acc = this.guard?.accuracy();
    return acc === undefined || Number.isNaN(acc) ? {} : { textZeroShotTrain: acc };
  }

  private disposeModules(): void {
    this.adaptor?.dispose();
    this.projection?.dispose();
    this.learnedTemperature?.dispose();
  }

  dispose(): void {
    this.disposeModules();
  }
}
