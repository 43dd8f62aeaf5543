import * as tf from '@tensorflow/tfjs';
import { binaryCrossEntropyWithLogitsPerEntry } from '@kd/core';

/**
 * WSD-KD's prediction-level soft-target loss (stage 2; the official SigmoidCrossEntropyLoss between
 * the scaled student logits and the teacher's image scores): Σ_k BCE(σ(a_k·z_k), p^T_k), summed over
 * classes and divided by the batch size, in the stable form max(x, 0) − x·p + log(1 + e^(−|x|)).
 * `logits` z [B, K]; `scale` a [K] (per class, the official Scale layer) or [1]/[] (one value) —
 * the student's learnable 1/t, initialised at 0.2 (t = 5); `targets` p^T [B, K] in [0, 1] (detach
 * them first: the official layer propagates nothing to them).
 */
export function softTargetLoss(logits: tf.Tensor, scale: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const x = tf.mul(logits, scale);
    const loss = binaryCrossEntropyWithLogitsPerEntry(x, targets);
    return tf.div(tf.sum(loss), logits.shape[0]!) as tf.Scalar;
  });
}
