import * as tf from '@tensorflow/tfjs';
import { infoNce } from '@kd/core';

/**
 * How same-class image–caption pairs of one batch count in the contrastive loss:
 * - `diagonal`: only (image i, caption i) is a positive; same-class pairs are negatives (CLIP);
 * - `positives`: every same-class pair is a positive (soft targets spread over them, both ways);
 * - `masked`: same-class pairs other than the diagonal are left out of both softmaxes.
 */
export type SameClassMode = 'diagonal' | 'positives' | 'masked';

/** A logit that softmax treats as −∞ without producing NaN in the gradient. */
const REMOVED = -1e9;

/**
 * Symmetric InfoNCE between projected image embeddings `v` [B, D] and adapted caption embeddings
 * `u` [B, D], both already L2-normalised: logits = v uᵀ / τ, loss = ½ (CE_rows + CE_columns). `labels`
 * [B] are needed for the `positives` and `masked` modes.
 */
export function captionContrastive(
  v: tf.Tensor,
  u: tf.Tensor,
  temperature: number | tf.Tensor,
  mode: SameClassMode,
  labels?: tf.Tensor,
): tf.Scalar {
  return tf.tidy(() => {
    if (mode === 'diagonal') return infoNce(v, u, temperature, { normalize: false });
    if (!labels) throw new Error(`captionContrastive: mode '${mode}' needs labels`);
    const same = tf.equal(tf.expandDims(labels, 1), tf.expandDims(labels, 0));
    if (mode === 'positives') return infoNce(v, u, temperature, { normalize: false, targets: same });
    const n = v.shape[0]!;
    const tau = typeof temperature === 'number' ? temperature : tf.reshape(temperature, []);
    const logits = tf.div(tf.matMul(v as tf.Tensor2D, tf.transpose(u as tf.Tensor2D)), tau) as tf.Tensor2D;
    const drop = tf.logicalAnd(same, tf.logicalNot(tf.cast(tf.eye(n), 'bool')));
    const masked = tf.where(drop, tf.fill([n, n], REMOVED), logits) as tf.Tensor2D;
    const diagonalCe = (l: tf.Tensor2D) => tf.neg(tf.mean(tf.sum(tf.mul(tf.eye(n), tf.logSoftmax(l)), 1)));
    return tf.mul(tf.add(diagonalCe(masked), diagonalCe(tf.transpose(masked))), 0.5) as tf.Scalar;
  });
}
