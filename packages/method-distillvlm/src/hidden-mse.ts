import * as tf from '@tensorflow/tfjs';
import { detach } from '@kd/core';
import { validTokenRows } from './valid-tokens.js';

/**
 * The ablation's alternative to the token NCE [R]: the mean squared difference between the
 * student's hidden states mapped to the teacher's width (h^S W, W trainable) and the teacher's,
 * over the real tokens and the teacher's features: Σ (h^S W − h^T)² / (n_valid · d_T).
 */
export function hiddenMse(student: tf.Tensor, teacher: tf.Tensor, mask: tf.Tensor, w: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const s = tf.matMul(validTokenRows(student, mask), w);
    const t = validTokenRows(detach(teacher), mask);
    return tf.mean(tf.squaredDifference(s, t)) as tf.Scalar;
  });
}
