import * as tf from '@tensorflow/tfjs';

/** Per-sample, per-channel statistics of an NHWC feature map: both [B, C]. */
export interface ChannelStats {
  readonly mean: tf.Tensor2D;
  readonly std: tf.Tensor2D;
}

/**
 * μ_c(F) = mean over H, W and σ_c(F) = sqrt(biased variance over H, W + eps), per sample and
 * channel (AdaIN's instance statistics; methods.md §6).
 */
export function channelStats(feature: tf.Tensor, eps: number): ChannelStats {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(feature, [1, 2]);
    return { mean: mean as tf.Tensor2D, std: tf.sqrt(tf.add(variance, eps)) as tf.Tensor2D };
  }) as ChannelStats;
}

/**
 * AdaIN(F_T; μ_S, σ_S) = σ_S ⊙ (F_T − μ(F_T)) / σ(F_T) + μ_S: the content feature (the teacher's)
 * normalised per sample and channel, then re-scaled and re-shifted with the style statistics (the
 * student's). Statistics are [B, C]; the feature NHWC.
 */
export function adaIN(content: tf.Tensor, style: ChannelStats, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const own = channelStats(content, eps);
    const [b, , , c] = content.shape;
    const expand = (t: tf.Tensor) => tf.reshape(t, [b!, 1, 1, c!]);
    const normalised = tf.div(tf.sub(content, expand(own.mean)), expand(own.std));
    return tf.add(tf.mul(expand(style.std), normalised), expand(style.mean));
  });
}

/**
 * The L2 statistics baseline: (1/C) Σ_c [(μ_c(F_S) − μ_c(F_T))² + (σ_c(F_S) − σ_c(F_T))²], averaged
 * over the batch (methods.md §6, L_stat).
 */
export function statLoss(student: ChannelStats, teacher: ChannelStats): tf.Scalar {
  return tf.tidy(
    () =>
      tf.add(
        tf.mean(tf.squaredDifference(student.mean, teacher.mean)),
        tf.mean(tf.squaredDifference(student.std, teacher.std)),
      ) as tf.Scalar,
  );
}
