import * as tf from '@tensorflow/tfjs';
import { detach } from '@kd/core';

/** How the attention MSE averages: over the real (query, key) pairs, or over every entry. */
export type AttentionReduction = 'valid' | 'all';

/**
 * DistillVLM's attention-distribution distillation [abs; per-layer form R/I]: the squared
 * difference of student and teacher attention probabilities ([B, H, N, N] each, one pair per
 * mapped layer), summed over the pairs (i, j) of real tokens of each sample and divided by
 * L · H · Σ_b n_b² (`valid`: every real pair weighs the same whatever the padding); or the plain
 * mean over every entry, averaged over layers (`all`, TinyBERT's form). Padded query rows and key
 * columns are left out by `valid` (the model masks key columns only, so padded rows still hold
 * distributions). The teacher's maps get no gradient.
 */
export function maskedAttentionMse(
  pairs: ReadonlyArray<readonly [tf.Tensor, tf.Tensor]>,
  mask: tf.Tensor,
  reduction: AttentionReduction = 'valid',
): tf.Scalar {
  if (pairs.length === 0) throw new Error('maskedAttentionMse: no layer pairs');
  return tf.tidy(() => {
    const [b, h, n] = pairs[0]![0].shape as [number, number, number, number];
    pairs = pairs.map(([s, t]) => [s, detach(t)] as const); // the teacher's maps are targets: no gradient
    for (const [s, t] of pairs) {
      if (s.shape.join() !== `${b},${h},${n},${n}` || t.shape.join() !== s.shape.join()) {
        throw new Error(
          `maskedAttentionMse: attention maps [${s.shape}] and [${t.shape}] must both be [${b}, ${h}, ${n}, ${n}]`,
        );
      }
    }
    if (reduction === 'all') {
      return tf.div(tf.addN(pairs.map(([s, t]) => tf.mean(tf.squaredDifference(s, t)))), pairs.length) as tf.Scalar;
    }
    const m = tf.cast(mask, 'float32');
    const pairMask = tf.mul(tf.reshape(m, [b, 1, n, 1]), tf.reshape(m, [b, 1, 1, n]));
    const total = tf.addN(pairs.map(([s, t]) => tf.sum(tf.mul(pairMask, tf.squaredDifference(s, t)))));
    const counts = tf.sum(tf.square(tf.sum(m, 1)));
    return tf.div(total, tf.mul(counts, pairs.length * h)) as tf.Scalar;
  });
}
