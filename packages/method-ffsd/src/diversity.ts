import * as tf from '@tensorflow/tfjs';
import { UserError } from '@kd/core';
import { attentionMap, l2NormalizeRows, rowNorms } from './attention.js';

/**
 * Which norm n the attention-shift target uses: `raw` = ‖a(F)‖₂ of the un-normalised attention map
 * (official code; it mixes the raw scale n with the unit-norm ŷ, which is why λ_div is as small as
 * 1e-5), `unit` = 1 (both on the unit sphere's scale; our alternative).
 */
export const DIVERSITY_NORMS = ['raw', 'unit'] as const;
export type DiversityNorm = (typeof DIVERSITY_NORMS)[number];

/** The pieces of FFSD's attention shift for a batch of attention maps [B, HW]. */
export interface AttentionShift {
  /** ŷ = a / max(‖a‖, 1e-12), [B, HW] */
  readonly normalized: tf.Tensor2D;
  /** ‖a‖₂ per sample (raw scale), [B, 1] */
  readonly rawNorm: tf.Tensor2D;
  /** θ = the ⌊HW/3⌋-th smallest entry of ŷ per sample, [B, 1] */
  readonly threshold: tf.Tensor2D;
  /** ỹ = (n/2 − ŷ)·sign(ŷ − θ) + n/2: ŷ below θ, n − ŷ above, n/2 at θ, [B, HW] */
  readonly target: tf.Tensor2D;
}

/**
 * The diversity target of FFSD (official `diversity_loss` / `diversity_target`): keep the weakest
 * third of the other network's normalised attention and flip the rest around n/2, so the current
 * network is pushed to attend where the other one does not.
 */
export function attentionShift(attention: tf.Tensor2D, norm: DiversityNorm = 'raw'): AttentionShift {
  const hw = attention.shape[1];
  const k = Math.floor(hw / 3);
  if (k < 1) {
    throw new UserError(`method 'ffsd': the diversity shift needs attention maps of at least 3 positions, got ${hw}`);
  }
  return tf.tidy(() => {
    const rawNorm = rowNorms(attention);
    const normalized = l2NormalizeRows(attention);
    // k-th smallest = −(k-th largest of −ŷ)
    const smallest = tf.topk(tf.neg(normalized), k).values;
    const threshold = tf.neg(tf.slice(smallest, [0, k - 1], [-1, 1])) as tf.Tensor2D;
    const half = norm === 'raw' ? tf.div(rawNorm, 2) : tf.fill([attention.shape[0], 1], 0.5);
    const target = tf.add(
      tf.mul(tf.sub(half, normalized), tf.sign(tf.sub(normalized, threshold))),
      half,
    ) as tf.Tensor2D;
    return { normalized, rawNorm, threshold, target };
  });
}

/**
 * L_div = 1/(B·HW) ‖â(F_cur) − ỹ(a(F_other))‖² (official `diversity_loss`). `other` must already be
 * detached (the official code detaches the previous student's map).
 */
export function diversityLoss(current: tf.Tensor, other: tf.Tensor, norm: DiversityNorm = 'raw'): tf.Scalar {
  return tf.tidy(() => {
    const x = l2NormalizeRows(attentionMap(current));
    const { target } = attentionShift(attentionMap(other), norm);
    return tf.mean(tf.squaredDifference(x, target)) as tf.Scalar;
  });
}

/**
 * The attention-shifted version of a feature map (official `diversity_target`), fed to a common
 * student's self-distillation module: every channel of F moves by n·(ỹ − ŷ)/C at each position,
 *   F̃ = F + (n / C) · (ỹ − ŷ)   (broadcast over channels, n = ‖a(F)‖₂ raw, NHWC).
 */
export function shiftedFeatureMap(feature: tf.Tensor4D, norm: DiversityNorm = 'raw'): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = feature.shape;
    const { normalized, rawNorm, target } = attentionShift(attentionMap(feature), norm);
    const shift = tf.mul(tf.sub(target, normalized), tf.div(rawNorm, c));
    return tf.add(feature, tf.reshape(shift, [b, h, w, 1])) as tf.Tensor4D;
  });
}
