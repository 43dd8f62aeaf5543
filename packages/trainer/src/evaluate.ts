import * as tf from '@tensorflow/tfjs';
import { countCorrect, crossEntropy, type DataSplit, type TappedModel } from '@kd/core';

export interface EvalResult {
  readonly accuracy: number;
  readonly loss: number;
  readonly count: number;
}

const LOGITS = new Set(['logits']);

/** Top-1 accuracy and mean cross-entropy of `model` (inference mode) over a whole split. */
export function evaluateAccuracy(model: TappedModel, split: DataSplit, batchSize = 500): EvalResult {
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < split.size; start += batchSize) {
    const n = Math.min(batchSize, split.size - start);
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = start + i;
    const [c, l] = tf.tidy(() => {
      const batch = split.batch(idx);
      const { logits } = model.forward(batch, { training: false, taps: LOGITS });
      return [countCorrect(logits!, batch.y!), crossEntropy(logits!, batch.y!).dataSync()[0]! * n];
    });
    correct += c;
    lossSum += l;
  }
  return { accuracy: split.size ? correct / split.size : 0, loss: split.size ? lossSum / split.size : 0, count: split.size };
}
