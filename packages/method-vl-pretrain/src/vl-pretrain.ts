import * as tf from '@tensorflow/tfjs';
import {
  deriveSeed,
  injectable,
  Rng,
  sequentialBatches,
  UserError,
  z,
  type AuxModule,
  type Batch,
  type DistillationMethod,
  type MethodSetupContext,
  type ReportContext,
  type StepContext,
  type TappedModel,
  type TapRequest,
  type TermSpec,
  type BatchKeyRequest,
} from '@kd/core';
import { classWordIds } from './class-words.js';
import { mismatchedCaptions } from './mismatched-captions.js';
import { maskedTokenLoss, matchingLoss } from './pretraining-losses.js';
import { maskTokens, type MaskingOptions } from './token-masking.js';

export const vlPretrainHParams = z.object({
  maskProbability: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.15)
    .describe('share of caption words chosen for masked-token prediction (BERT, VisualBERT, UNITER: 0.15)'),
  maskShare: z.number().min(0).max(1).default(0.8).describe('chosen words replaced by [MASK] (BERT: 0.8)'),
  randomShare: z
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe('chosen words replaced by a random word (BERT: 0.1); the rest stay unchanged'),
});

export type VlPretrainHParams = z.output<typeof vlPretrainHParams>;

export const vlPretrainTerms: readonly TermSpec[] = [
  {
    name: 'mlm',
    defaultWeight: 1,
    description:
      'masked-token prediction: cross-entropy of mlmLogits at the masked caption words, given the image regions',
  },
  {
    name: 'itm',
    defaultWeight: 1,
    description:
      'image–text matching: 2-way cross-entropy of itmLogits on the matched pairs and on captions shifted by one in the batch',
  },
];

/** Token ids, mask and shape of a batch's captions, read once. */
function captionsOf(batch: Batch): { ids: Int32Array; mask: Float32Array; b: number; t: number } {
  const tokens = batch['tokens'];
  const tokenMask = batch['tokenMask'];
  if (!tokens || !tokenMask)
    throw new UserError(
      "method 'vl-pretrain': the batch has no 'tokens'/'tokenMask' (use data.dataset: scene-captions)",
    );
  const [b, t] = tokens.shape as [number, number];
  return { ids: tokens.dataSync() as Int32Array, mask: tokenMask.dataSync() as Float32Array, b, t };
}

/**
 * Vision-language pre-training as in VisualBERT / UNITER (the pre-trained VL knowledge RVL-BERT
 * freezes and the teacher DistillVLM compresses): the model (architecture `vl-scene` on
 * `scene-captions`) learns to predict masked caption words from the other words and the image regions
 * (`mlm`), and to tell an image's own caption from another image's (`itm`). The trained run is
 * reused as a teacher by later runs (`teacher.recipe` or `teacher.checkpoint`).
 */
@injectable()
export class VlPretrainMethod implements DistillationMethod<VlPretrainHParams> {
  private hparams: VlPretrainHParams = vlPretrainHParams.parse({});
  private student?: TappedModel;
  private vocabSize = 0;
  private seed = 0;
  private classWords = new Set<number>();

  setup(ctx: MethodSetupContext<VlPretrainHParams>): void {
    this.hparams = ctx.hparams;
    if (ctx.hparams.maskShare + ctx.hparams.randomShare > 1)
      throw new UserError("method 'vl-pretrain': maskShare + randomShare must not exceed 1");
    const text = ctx.data.text;
    if (!text)
      throw new UserError(
        "method 'vl-pretrain' needs a dataset with captions and a vocabulary (data.dataset: scene-captions)",
      );
    this.vocabSize = text.vocabSize;
    this.classWords = classWordIds(text, ctx.data.numClasses);
    const resumable = ctx.student.model.resumableTaps?.() ?? [];
    if (!ctx.student.model.forwardFrom || !resumable.includes('regions')) {
      throw new UserError(
        `method 'vl-pretrain' re-scores other captions from the student's region features, and student '${ctx.student.model.arch}' cannot resume from 'regions' ` +
          `(resumable taps: ${resumable.length ? resumable.join(', ') : 'none'}; use architecture vl-scene)`,
      );
    }
    this.student = ctx.student.model;
    this.seed = ctx.seed;
    for (const r of this.requiredTaps()) ctx.tap(r.role, r.tap, r.model);
    ctx.tap('student', 'mlmLogits');
  }

  /** The caption tokens (masked and re-paired with other images). */
  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [
      { key: 'tokens', dtype: 'int32', rank: 1, why: 'the captions masked-token prediction and matching read' },
      { key: 'tokenMask', dtype: 'float32', rank: 1, why: 'which caption tokens are real' },
    ];
  }

  requiredTaps(): readonly TapRequest[] {
    return [
      { role: 'student', tap: 'itmLogits' },
      { role: 'student', tap: 'regions' },
    ];
  }

  auxModules(): readonly AuxModule[] {
    return [];
  }

  private masking(): MaskingOptions {
    const h = this.hparams;
    return {
      probability: h.maskProbability,
      maskShare: h.maskShare,
      randomShare: h.randomShare,
      vocabSize: this.vocabSize,
    };
  }

  /**
   * The model's `tap` for the same images with other captions: the student resumes from the images'
   * region features (`regions`, from the step's own forward pass, on the tape) through
   * `forwardFrom('regions', …)` with the batch's captions replaced, so the backbone runs once a step
   * and receives the gradients of every term through them.
   */
  private forwardWith(
    batch: Batch,
    regions: tf.Tensor,
    ids: Int32Array,
    mask: Float32Array,
    b: number,
    t: number,
    tap: string,
    training: boolean,
  ): tf.Tensor {
    const tokens = tf.tensor2d(ids, [b, t], 'int32');
    const tokenMask = tf.tensor2d(mask, [b, t], 'float32');
    return this.student!.forwardFrom!(
      'regions',
      regions,
      { ...batch, tokens, tokenMask },
      { training, taps: new Set([tap]) },
    )[tap]!;
  }

  private regionsOf(outputs: Record<string, tf.Tensor | undefined>): tf.Tensor {
    const r = outputs['regions'];
    if (!r)
      throw new UserError("method 'vl-pretrain': the student returned no 'regions' tap (use architecture vl-scene)");
    return r;
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    const { ids, mask, b, t } = captionsOf(step.batch);
    if (step.active.has('mlm')) {
      const masked = maskTokens(
        ids,
        b,
        t,
        new Rng(deriveSeed(this.seed, 'vl-pretrain.mlm', step.step)),
        this.masking(),
      );
      out['mlm'] = tf.tidy(() =>
        maskedTokenLoss(
          this.forwardWith(step.batch, this.regionsOf(step.student), masked.input, mask, b, t, 'mlmLogits', true),
          masked.targets,
        ),
      );
    }
    if (step.active.has('itm')) {
      const positive = step.student['itmLogits'];
      if (!positive)
        throw new UserError(
          "method 'vl-pretrain': the student returned no 'itmLogits' tap (use architecture vl-scene)",
        );
      const neg = mismatchedCaptions(ids, mask, b, t);
      out['itm'] = tf.tidy(() =>
        matchingLoss(
          positive,
          this.forwardWith(step.batch, this.regionsOf(step.student), neg.ids, neg.mask, b, t, 'itmLogits', true),
          neg.labels,
        ),
      );
    }
    return out;
  }

  /**
   * On the test split (fixed masking seed): masked-token top-1 accuracy over all masked words and over
   * masked class words only (those need the image: grounding), and image–text matching accuracy.
   */
  report(ctx: ReportContext): Record<string, number> {
    let mlmHits = 0;
    let mlmCount = 0;
    let classHits = 0;
    let classCount = 0;
    let itmHits = 0;
    let itmCount = 0;
    for (const idx of sequentialBatches(ctx.split.size, ctx.batchSize)) {
      const start = idx[0]!;
      const batch = ctx.split.batch(idx);
      try {
        const { ids, mask, b, t } = captionsOf(batch);
        const masked = maskTokens(ids, b, t, new Rng(deriveSeed(0, 'vl-pretrain.report', start)), this.masking());
        const regions = ctx.student.forward(batch, { training: false, taps: new Set(['regions']) })['regions']!;
        const predicted = tf.tidy(
          () =>
            tf
              .argMax(this.forwardWith(batch, regions, masked.input, mask, b, t, 'mlmLogits', false), 2)
              .dataSync() as Int32Array,
        );
        masked.targets.forEach((y, i) => {
          if (y < 0) return;
          mlmCount++;
          if (predicted[i] === y) mlmHits++;
          if (!this.classWords.has(y)) return;
          classCount++;
          if (predicted[i] === y) classHits++;
        });
        const neg = mismatchedCaptions(ids, mask, b, t);
        const pos = tf.tidy(
          () =>
            tf
              .argMax(this.forwardWith(batch, regions, ids, mask, b, t, 'itmLogits', false), 1)
              .dataSync() as Int32Array,
        );
        const negPred = tf.tidy(
          () =>
            tf
              .argMax(this.forwardWith(batch, regions, neg.ids, neg.mask, b, t, 'itmLogits', false), 1)
              .dataSync() as Int32Array,
        );
        regions.dispose();
        pos.forEach((p) => (itmHits += p === 1 ? 1 : 0));
        negPred.forEach((p, i) => (itmHits += p === neg.labels[i] ? 1 : 0));
        itmCount += 2 * b;
      } finally {
        tf.dispose(Object.values(batch));
      }
    }
    return {
      mlm_accuracy: mlmCount ? mlmHits / mlmCount : NaN,
      mlm_class_word_accuracy: classCount ? classHits / classCount : NaN,
      itm_accuracy: itmCount ? itmHits / itmCount : NaN,
    };
  }
}
