import * as tf from '@tensorflow/tfjs';
import { channelMeanOfSquares } from '@kd/core';

/**
 * Spatial attention map of an NHWC feature map, as in the official attention-transfer code
 * (`at(x) = F.normalize(x.pow(2).mean(1).view(B, -1))`, power 2 hard-coded): the mean over channels
 * of |F|^p, flattened to [B, H·W] and divided by its L2 norm per sample (norm floored at 1e-12 as
 * `F.normalize` does). p = 2 (the default) is the official map; p as a hyperparameter follows
 * RepDistiller's generalisation (`f.pow(p)`), which differs from |F|^p only for odd p on maps with
 * negative values (pre-ReLU taps).
 */
export function attentionMap(feature: tf.Tensor, p: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [b] = feature.shape;
    const meanPowered = p === 2 ? channelMeanOfSquares(feature) : tf.mean(tf.pow(tf.abs(feature), p), -1);
    const flat = tf.reshape(meanPowered, [b!, -1]) as tf.Tensor2D;
    const norm = tf.maximum(tf.norm(flat, 'euclidean', 1, true), 1e-12);
    return tf.div(flat, norm) as tf.Tensor2D;
  });
}

/**
 * One pair's attention-transfer loss, the official `at_loss`: the mean over batch and spatial
 * positions of the squared difference of the normalised attention maps,
 * (1 / (B·H·W)) Σ_b ‖â_S(b) − â_T(b)‖².
 */
export function attentionPairLoss(student: tf.Tensor, teacher: tf.Tensor, p: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(attentionMap(student, p), attentionMap(teacher, p))) as tf.Scalar);
}
