import * as tf from '@tensorflow/tfjs';

/**
 * Binary cross-entropy of independent sigmoids per entry (torch F.binary_cross_entropy_with_logits,
 * reduction 'none'), in the stable form max(z, 0) − z·y + log(1 + e^(−|z|)). `targets` in [0, 1].
 */
export function binaryCrossEntropyWithLogitsPerEntry(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = logits;
    const y = tf.cast(targets, 'float32');
    return tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  });
}

/**
 * Mean binary cross-entropy of independent sigmoids, over batch and classes
 * (torch F.binary_cross_entropy_with_logits, reduction 'mean').
 */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(binaryCrossEntropyWithLogitsPerEntry(logits, targets)) as tf.Scalar);
}
