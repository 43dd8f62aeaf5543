import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@kd/core';

/**
 * log π_k of the training label distribution, π_k = n_k / Σ n; a class without training samples
 * counts as one sample (its log-prior stays finite).
 */
export function logClassPrior(counts: ArrayLike<number>): Float32Array {
  const n = Array.from(counts, (c) => Math.max(c, 1));
  const total = n.reduce((a, b) => a + b, 0);
  return Float32Array.from(n, (c) => Math.log(c / total));
}

/**
 * Balanced softmax (Ren et al. 2020): the cross-entropy of the logits shifted by the log class prior,
 * CE(z + log π, y). At test time the plain logits z are used, which removes the training prior.
 */
export function balancedSoftmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, logPrior: Float32Array): tf.Scalar {
  return tf.tidy(() => crossEntropy(tf.add(logits, tf.tensor1d(logPrior)), labels));
}

/** Training label counts per class from the labels of the train split. */
export function classCounts(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}
