import * as tf from '@tensorflow/tfjs';

/**
 * The captioning loss of a causal text decoder: the logits at text position i ([B, T, V], e.g. the
 * `mlmLogits` tap of a model with causal text attention) predict token i + 1 of `tokens` [B, T];
 * targets that are padding (`tokenMask` 0) are ignored, and the cross-entropy is the mean over the real
 * target tokens (PyTorch `F.cross_entropy(logits[:, :-1], tokens[:, 1:], ignore_index=pad)`). With no
 * target token the loss is 0.
 */
export function nextTokenCrossEntropy(logits: tf.Tensor, tokens: tf.Tensor, tokenMask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [b, t, v] = logits.shape as [number, number, number];
    if (tokens.shape[0] !== b || tokens.shape[1] !== t)
      throw new Error(
        `nextTokenCrossEntropy: logits [${logits.shape}] and tokens [${tokens.shape}] differ in batch or length`,
      );
    const inputs = tf.slice(logits, [0, 0, 0], [b, t - 1, v]);
    const targets = tf.cast(tf.slice(tokens, [0, 1], [b, t - 1]), 'int32');
    const mask = tf.cast(tf.slice(tokenMask, [0, 1], [b, t - 1]), 'float32');
    const logp = tf.sum(tf.mul(tf.logSoftmax(inputs), tf.oneHot(targets, v)), 2);
    return tf.div(tf.sum(tf.mul(tf.neg(logp), mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
