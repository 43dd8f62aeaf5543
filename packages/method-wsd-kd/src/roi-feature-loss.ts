import * as tf from '@tensorflow/tfjs';

/**
 * WSD-KD's feature-level loss (stage 1; the official Caffe EuclideanLoss on fc7):
 * L_f = 1/(2N) Σ_r ‖f^T_r − f^S_r‖² over the N real regions of the batch (`mask` [B, R]: 1 real,
 * 0 padded; the official data has no padding, N = every RoI row). `teacher`, `student`: [B, R, D].
 * 0 when the batch has no real region. The teacher's features are used as given (detach them first).
 */
export function roiFeatureLoss(teacher: tf.Tensor, student: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32');
    const squared = tf.sum(tf.square(tf.sub(teacher, student)), -1); // [B, R]
    const n = tf.sum(m);
    return tf.div(tf.sum(tf.mul(squared, m)), tf.mul(tf.maximum(n, 1), 2)) as tf.Scalar;
  });
}
