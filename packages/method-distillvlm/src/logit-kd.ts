import * as tf from '@tensorflow/tfjs';
import { binaryCrossEntropyWithLogits, detach } from '@kd/core';

/**
 * Prediction-level KD on a VQA answer head [R]: binary cross-entropy of σ(z_S / t) against the
 * teacher's σ(z_T / t), averaged over the B · A (sample, answer) entries.
 */
export function answerLogitKd(student: tf.Tensor, teacher: tf.Tensor, t = 1): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.sigmoid(tf.div(detach(teacher), t));
    const z = tf.div(student, t);
    return binaryCrossEntropyWithLogits(z, target);
  });
}

/**
 * Prediction-level KD on next-token logits [R] ([B, T, V], captioning): t² · KL(softmax(z_T / t) ‖
 * softmax(z_S / t)) summed over the vocabulary, averaged over the real positions of `mask` [B, T].
 */
export function sequenceLogitKd(student: tf.Tensor, teacher: tf.Tensor, mask: tf.Tensor, t = 1): tf.Scalar {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(tf.div(detach(teacher), t));
    const logPs = tf.logSoftmax(tf.div(student, t));
    const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1);
    const m = tf.cast(mask, 'float32');
    return tf.mul(tf.div(tf.sum(tf.mul(kl, m)), tf.sum(m)), t * t) as tf.Scalar;
  });
}
