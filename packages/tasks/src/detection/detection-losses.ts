import * as tf from '@tensorflow/tfjs';

/**
 * Softmax cross-entropy over background + K classes of the chosen rows of `logits` [N, K+1] against
 * `labels` (0 background, 1 + class), mean over the rows (torch `F.cross_entropy`; the TPU Fast
 * R-CNN class loss). No rows: 0, still connected to `logits` so the step's gradient exists.
 */
export function regionClassificationLoss(logits: tf.Tensor2D, rows: Int32Array, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    if (rows.length === 0) return tf.mul(tf.sum(logits), 0) as tf.Scalar;
    const chosen = tf.gather(logits, tf.tensor1d(rows, 'int32'));
    const logp = tf.logSoftmax(chosen);
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
  });
}

/**
 * Smooth-L1 (β) between the chosen rows of `deltas` [N, 4] and their encoded targets [F·4], summed
 * and divided by 4F, i.e. the mean over foreground coordinates (torch
 * `F.smooth_l1_loss(…, beta, reduction='sum') / (4F)`; with β = 1 the TPU Fast R-CNN box loss, a
 * Huber loss with δ = 1 reduced by its non-zero weights). No rows: 0, still connected to `deltas`.
 */
export function boxRegressionLoss(
  deltas: tf.Tensor2D,
  rows: Int32Array,
  targets: Float32Array,
  beta: number,
): tf.Scalar {
  return tf.tidy(() => {
    if (rows.length === 0) return tf.mul(tf.sum(deltas), 0) as tf.Scalar;
    const chosen = tf.gather(deltas, tf.tensor1d(rows, 'int32'));
    const diff = tf.abs(tf.sub(chosen, tf.tensor2d(targets, [rows.length, 4])));
    // 0.5·x²/β below β, |x| − β/2 above, written with min so that it differentiates everywhere
    const inner = tf.minimum(diff, beta);
    return tf.mean(tf.add(tf.div(tf.mul(0.5, tf.square(inner)), beta), tf.sub(diff, inner))) as tf.Scalar;
  });
}
