import * as tf from '@tensorflow/tfjs';

/** Additive attention mask [B, 1, 1, N] from a keep mask [B, N] (1 token, 0 padding): 0 or −1e9. */
export function keyPaddingMask(keep: tf.Tensor): tf.Tensor4D {
  const [b, n] = keep.shape as [number, number];
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(keep, 'float32')), -1e9), [b, 1, 1, n]);
}

/** Mean of token states [B, N, D] over the kept tokens of `keep` [B, N] → [B, D] (0 for a row with none). */
export function maskedMean(h: tf.Tensor, keep: tf.Tensor): tf.Tensor2D {
  const w = tf.expandDims(tf.cast(keep, 'float32'), 2);
  return tf.div(tf.sum(tf.mul(h, w), 1), tf.maximum(tf.sum(w, 1), 1)) as tf.Tensor2D;
}
