import * as tf from '@tensorflow/tfjs';

/**
 * Mean binary cross-entropy of independent sigmoids, over batch and classes
 * (torch F.binary_cross_entropy_with_logits, reduction 'mean'), in the stable form
 * max(z, 0) − z·y + log(1 + e^(−|z|)).
 */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const z = logits;
    const y = tf.cast(targets, 'float32');
    const loss = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    return tf.mean(loss) as tf.Scalar;
  });
}
