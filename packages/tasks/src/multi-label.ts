import * as tf from '@tensorflow/tfjs';
import {
  binaryCrossEntropyWithLogits,
  injectable,
  sequentialBatches,
  UserError,
  z,
  type BatchKeyRequest,
  type EvaluationContext,
  type Metrics,
  type MetricSpec,
  type StepContext,
  type Task,
  type TaskSetupContext,
  type TermSpec,
} from '@kd/core';
import { flatMatrix, multiLabelAveragePrecision, multiLabelPrecisionRecall } from '@kd/metrics';
import { fraction, score } from './metric-spec.js';

export const multiLabelHParams = z
  .object({
    threshold: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.5)
      .describe('a class is predicted when its sigmoid probability is at least this (CP…OF1; ML-GCN and ASL use 0.5)'),
    reduction: z
      .enum(['mean', 'per-image'])
      .default('mean')
      .describe(
        "the bce term's reduction: 'mean' over batch and classes (torch BCEWithLogitsLoss), or 'per-image': summed over classes, averaged over the batch (Caffe's SigmoidCrossEntropyLoss, as WSD-KD's code)",
      ),
  })
  .strict();
export type MultiLabelHParams = z.output<typeof multiLabelHParams>;

export const multiLabelTerms: readonly TermSpec[] = [
  {
    name: 'bce',
    defaultWeight: 1,
    description:
      'per-class binary cross-entropy of sigmoid(logits) against the multi-hot labels y [B, K] (torch BCEWithLogitsLoss, mean over batch and classes; hparams.reduction per-image: summed over classes)',
  },
];

export const multiLabelMetrics: readonly MetricSpec[] = [
  fraction('mAP', 'mean over classes (with a positive) of the average precision of ranking the samples by class score'),
  fraction('CP', 'per-class precision at the threshold, averaged over all classes'),
  fraction('CR', 'per-class recall at the threshold, averaged over classes with a positive'),
  fraction('CF1', '2·CP·CR / (CP + CR)'),
  fraction('OP', 'overall precision at the threshold (pooled over classes)'),
  fraction('OR', 'overall recall at the threshold (pooled over classes)'),
  fraction('OF1', '2·OP·OR / (OP + OR)'),
  score(
    'loss',
    'the bce term over the split, reduced as training reduces it (hparams.reduction: mean per class, or per image)',
    false,
  ),
];

/**
 * Multi-label classification (scenes: every class present in the image): the student's logits are K
 * independent sigmoids against the batch's multi-hot `y` [B, K]. Loss: per-class BCE (`task.bce`).
 * Metrics: mAP (primary) and the thresholded CP, CR, CF1, OP, OR, OF1 of ML-GCN / ASL.
 */
@injectable()
export class MultiLabelTask implements Task<MultiLabelHParams> {
  private hp: MultiLabelHParams = multiLabelHParams.parse({});

  setup(ctx: TaskSetupContext<MultiLabelHParams>): void {
    this.hp = ctx.hparams;
    const width = ctx.tap('student', 'logits').shape[0];
    if (width !== ctx.data.numClasses) {
      throw new UserError(
        `task 'multi-label': model '${ctx.student.name}' (${ctx.student.model.arch}) has ${width} logits, the data ${ctx.data.numClasses} classes (one sigmoid per class)`,
      );
    }
  }

  requiredTaps() {
    return [{ role: 'student' as const, tap: 'logits' }];
  }

  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [{ key: 'y', dtype: 'float32', rank: 1, why: 'multi-hot labels [K]' }];
  }

  metrics(): readonly MetricSpec[] {
    return multiLabelMetrics;
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    if (!step.active.has('bce')) return {};
    const logits = step.student['logits']!;
    const mean = binaryCrossEntropyWithLogits(logits, step.batch['y']!);
    return { bce: this.hp.reduction === 'mean' ? mean : (tf.mul(mean, logits.shape[1]!) as tf.Scalar) };
  }

  evaluate(ctx: EvaluationContext): Metrics {
    const { model, split } = ctx;
    const k = ctx.data.numClasses;
    const scores = new Float32Array(split.size * k);
    const targets = new Float32Array(split.size * k);
    let lossSum = 0;
    for (const idx of sequentialBatches(split.size, ctx.batchSize)) {
      const at = idx[0]! * k;
      lossSum += tf.tidy(() => {
        const batch = split.batch(idx);
        const { logits } = model.forward(batch, { training: false, taps: LOGITS });
        const y = batch['y']!;
        if (y.rank !== 2 || y.shape[1] !== k)
          throw new Error(`multi-label task: batch y has shape [${y.shape}], expected [B, ${k}] multi-hot labels`);
        scores.set(tf.sigmoid(logits!).dataSync(), at);
        targets.set(tf.cast(y, 'float32').dataSync(), at);
        const mean = binaryCrossEntropyWithLogits(logits!, y).dataSync()[0]!;
        return (this.hp.reduction === 'mean' ? mean : mean * k) * idx.length;
      });
    }
    const s = flatMatrix(scores, split.size, k);
    const t = flatMatrix(targets, split.size, k);
    const ap = multiLabelAveragePrecision(s, t);
    const prf = multiLabelPrecisionRecall(s, t, { threshold: this.hp.threshold });
    return {
      mAP: ap.mAP,
      CP: prf.CP,
      CR: prf.CR,
      CF1: prf.CF1,
      OP: prf.OP,
      OR: prf.OR,
      OF1: prf.OF1,
      loss: split.size ? lossSum / split.size : 0,
    };
  }
}

const LOGITS = new Set(['logits']);
