import * as tf from '@tensorflow/tfjs';

/**
 * Binary cross-entropy with logits between the objectness of the chosen anchors (rows of the flat
 * [N] logits) and their labels (1 object, 0 background), mean over the rows (torch
 * `F.binary_cross_entropy_with_logits`, as torchvision's RPN `compute_loss`). Written as
 * softplus(z) − y·z, stable for any logit. No rows: 0, still connected to `objectness`.
 */
export function objectnessLoss(objectness: tf.Tensor1D, rows: Int32Array, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    if (rows.length === 0) return tf.mul(tf.sum(objectness), 0) as tf.Scalar;
    const z = tf.gather(objectness, tf.tensor1d(rows, 'int32'));
    const y = tf.tensor1d(Float32Array.from(labels));
    return tf.mean(tf.sub(tf.softplus(z), tf.mul(y, z))) as tf.Scalar;
  });
}

/**
 * Smooth-L1 (β) between the RPN deltas of the foreground anchors (rows of `deltas` [N, 4]) and their
 * encoded targets [F·4], summed and divided by the number of sampled anchors `sampled` (torchvision's
 * RPN: `F.smooth_l1_loss(…, beta=1/9, reduction='sum') / sampled_inds.numel()`). No foreground or
 * nothing sampled: 0, still connected to `deltas`.
 */
export function rpnBoxLoss(
  deltas: tf.Tensor2D,
  rows: Int32Array,
  targets: Float32Array,
  sampled: number,
  beta: number,
): tf.Scalar {
  return tf.tidy(() => {
    if (rows.length === 0 || sampled === 0) return tf.mul(tf.sum(deltas), 0) as tf.Scalar;
    const chosen = tf.gather(deltas, tf.tensor1d(rows, 'int32'));
    const diff = tf.abs(tf.sub(chosen, tf.tensor2d(targets, [rows.length, 4])));
    // 0.5·x²/β below β, |x| − β/2 above, written with min so that it differentiates everywhere
    const inner = tf.minimum(diff, beta);
    const perCoordinate = tf.add(tf.div(tf.mul(0.5, tf.square(inner)), beta), tf.sub(diff, inner));
    return tf.div(tf.sum(perCoordinate), sampled) as tf.Scalar;
  });
}
