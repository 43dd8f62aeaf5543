import * as tf from '@tensorflow/tfjs';

/**
 * Masked-token loss: mean cross-entropy of `logits` [B, T, V] at the positions whose target is not
 * −1 (PyTorch's F.cross_entropy with ignore_index, mean over the predicted positions).
 */
export function maskedTokenLoss(logits: tf.Tensor, targets: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    const [b, t, v] = logits.shape as [number, number, number];
    const positions: number[] = [];
    const labels: number[] = [];
    targets.forEach((y, i) => {
      if (y >= 0) {
        positions.push(i);
        labels.push(y);
      }
    });
    if (positions.length === 0) return tf.scalar(0);
    const picked = tf.gather(tf.reshape(logits, [b * t, v]), tf.tensor1d(positions, 'int32'));
    const logp = tf.logSoftmax(picked);
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), v);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
  });
}

/**
 * Image–text matching loss: mean cross-entropy over the 2B pairs (B matched with label 1, B shifted
 * captions with `negativeLabels`) of the 2-way logits.
 */
export function matchingLoss(positive: tf.Tensor, negative: tf.Tensor, negativeLabels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    const b = positive.shape[0]!;
    const logits = tf.concat([positive, negative], 0);
    const labels = tf.tensor1d([...new Array<number>(b).fill(1), ...negativeLabels], 'int32');
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, 2), logp), 1))) as tf.Scalar;
  });
}
