/**
 * Loss primitives shared by methods. Reductions follow PyTorch's conventions so golden values
 * computed with torch compare directly (see tools/golden/).
 */
import * as tf from '@tensorflow/tfjs';

/** Mean softmax cross-entropy over the batch; `labels` int32 [B]. (torch.nn.functional.cross_entropy) */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits as tf.Tensor2D);
    const onehot = tf.oneHot(labels.toInt() as tf.Tensor1D, logits.shape[1]!);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
  });
}

/**
 * KL(softmax(teacher/T) || softmax(student/T)) · T², summed over classes and averaged over the batch
 * (torch: F.kl_div(log_softmax(s/T), softmax(t/T), reduction='batchmean') * T*T).
 */
export function softTargetKL(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const t = temperature;
    const logPs = tf.logSoftmax(tf.div(studentLogits, t) as tf.Tensor2D);
    const logPt = tf.logSoftmax(tf.div(teacherLogits, t) as tf.Tensor2D);
    const pt = tf.exp(logPt);
    const kl = tf.sum(tf.mul(pt, tf.sub(logPt, logPs)), 1);
    return tf.mul(tf.mean(kl), t * t) as tf.Scalar;
  });
}

/** Mean squared error over all elements (torch F.mse_loss, reduction='mean'). */
export function mse(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar);
}

/** Number of correct arg-max predictions. */
export function countCorrect(logits: tf.Tensor, labels: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels.toInt()), 'int32'))).dataSync()[0]!;
}
