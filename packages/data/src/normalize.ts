/**
 * Per-channel mean/std normalisation, `(x - mean[c]) / std[c]`, applied to batches as they are
 * built (the cached source arrays stay in [0, 1]).
 */
export interface Normalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** The usual MNIST statistics (of its 60k training images). */
export const MNIST_NORMALIZATION: Normalization = Object.freeze({ mean: [0.1307], std: [0.3081] });

/** Fashion-MNIST's statistics (of its 60k training images, computed with `channelStats`). */
export const FASHION_MNIST_NORMALIZATION: Normalization = Object.freeze({ mean: [0.286], std: [0.353] });

/**
 * MNIST and Fashion-MNIST items together (`mnist+fashion-mnist`): the statistics of an equal mixture
 * of the two, from theirs: mean (0.1307 + 0.286) / 2, std √(½(0.3081² + 0.1307²) + ½(0.353² + 0.286²) − mean²).
 */
export const MNIST_FASHION_NORMALIZATION: Normalization = Object.freeze({ mean: [0.2084], std: [0.3403] });

/** Normalises `data` (HWC images packed back to back, `channels` innermost) in place. */
export function normalizeInPlace(data: Float32Array, norm: Normalization, channels: number): void {
  if (norm.mean.length !== channels || norm.std.length !== channels) {
    throw new Error(`normalization has ${norm.mean.length} means and ${norm.std.length} stds for ${channels} channels`);
  }
  if (channels === 1) {
    const m = norm.mean[0]!;
    const inv = 1 / norm.std[0]!;
    for (let i = 0; i < data.length; i++) data[i] = (data[i]! - m) * inv;
    return;
  }
  const inv = norm.std.map((s) => 1 / s);
  for (let i = 0; i < data.length; i += channels) {
    for (let c = 0; c < channels; c++) data[i + c] = (data[i + c]! - norm.mean[c]!) * inv[c]!;
  }
}

/** Mean and standard deviation of each channel of `data` (for computing a dataset's statistics). */
export function channelStats(data: Float32Array, channels: number): Normalization {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < data.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      const v = data[i + c]!;
      sum[c] += v;
      sq[c] += v * v;
    }
  }
  const n = data.length / channels;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(0, s / n - mean[c]! * mean[c]!)));
  return { mean, std };
}
