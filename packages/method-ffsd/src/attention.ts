import * as tf from '@tensorflow/tfjs';
import { channelMeanOfSquares } from '@kd/core';

/** F.normalize's floor on the norm (torch default eps). */
const NORM_EPS = 1e-12;

/**
 * FFSD's spatial attention map of an NHWC feature map: the channel mean of the squared activations,
 * flattened per sample, a(F)_b = vec(1/C · Σ_c F_b[:, :, c]²) ∈ R^{HW}  →  [B, H·W].
 * (Official code: `F.pow(2).mean(1, keepdim=True)` on NCHW maps.) Its gradient is one product
 * (`channelMeanOfSquares`), the composition's bits.
 */
export function attentionMap(feature: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const [b] = feature.shape;
    return tf.reshape(channelMeanOfSquares(feature), [b!, -1]) as tf.Tensor2D;
  });
}

/**
 * The L2 norm of each row of a [B, D] tensor, [B, 1], as torch computes it: the square root of the
 * sum of squares. (`tf.norm` raises |x| to the power 2 with a libm `pow` per element, forward and
 * backward: on the self-distillation module's whole feature maps, 1.6 M elements per call, that was
 * ≈ 15 % of an FFSD step; its results also differ from x·x in ≈ 0.07 % of the elements.)
 */
export function rowNorms(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(x), 1, true)) as tf.Tensor2D);
}

/** Flattens per sample and divides by the L2 norm: x_b / max(‖x_b‖₂, 1e-12) (torch F.normalize). */
export function l2NormalizeRows(x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const flat = tf.reshape(x, [x.shape[0]!, -1]) as tf.Tensor2D;
    const norm = tf.maximum(rowNorms(flat), NORM_EPS);
    return tf.div(flat, norm) as tf.Tensor2D;
  });
}

/**
 * The official code's `attention_loss` / `fusion_loss` on any two tensors of equal per-sample size:
 * the mean squared difference of the per-sample L2-normalised vectors,
 *   ℓ_vec(x, y) = 1/(B·D) Σ_b ‖x̂_b − ŷ_b‖².
 * Applied to whole feature maps it is the SD module's "feature" loss (D = H·W·C).
 */
export function normalizedMse(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(l2NormalizeRows(x), l2NormalizeRows(y))) as tf.Scalar);
}

/**
 * FFSD's "L2 loss" between two feature maps (the same H×W; channels may differ): the mean squared
 * difference of their L2-normalised attention maps, ℓ(X, Y) = 1/(B·HW) Σ_b ‖â(X_b) − â(Y_b)‖².
 * Gradients flow into both arguments; detach the target first.
 */
export function attentionLoss(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => normalizedMse(attentionMap(x), attentionMap(y)));
}
