import * as tf from '@tensorflow/tfjs';
import { crossEntropy, sequentialBatches, type DataInfo, type DataSplit, type TappedModel } from '@kd/core';
import { groupAccuracy, top1Accuracy } from '@kd/metrics';

export interface EvalResult {
  readonly accuracy: number;
  readonly loss: number;
  readonly count: number;
  /** Top-1 accuracy per class group (e.g. many / medium / few) when the dataset declares groups. */
  readonly groups?: Readonly<Record<string, number>>;
}

const LOGITS = new Set(['logits']);

/**
 * Top-1 accuracy and mean cross-entropy of `model` (inference mode) over a whole split, and the
 * accuracy per class group when `classGroups` is given (samples counted by their true class).
 */
export function evaluateAccuracy(
  model: TappedModel,
  split: DataSplit,
  batchSize = 500,
  classGroups?: DataInfo['classGroups'],
): EvalResult {
  const predictions = new Int32Array(split.size);
  let lossSum = 0;
  for (const idx of sequentialBatches(split.size, batchSize)) {
    const start = idx[0]!;
    const n = idx.length;
    lossSum += tf.tidy(() => {
      const batch = split.batch(idx);
      const { logits } = model.forward(batch, { training: false, taps: LOGITS });
      predictions.set(tf.argMax(logits!, 1).dataSync() as Int32Array, start);
      // the split's single-label view (a batch's `y` may be multi-hot, e.g. scenes)
      return crossEntropy(logits!, tf.tensor1d(split.labels.subarray(start, start + n), 'int32')).dataSync()[0]! * n;
    });
  }
  if (split.size === 0) return { accuracy: 0, loss: 0, count: 0 };
  const result = { accuracy: top1Accuracy(predictions, split.labels), loss: lossSum / split.size, count: split.size };
  if (!classGroups) return result;
  const groups = groupAccuracy(predictions, split.labels, classGroups.ofClass, classGroups.names);
  return { ...result, groups: Object.fromEntries(groups.map((g) => [g.name, g.accuracy])) };
}
