import type { PixelNormalization } from '../src/pixel-normalization.js';

/** MNIST's statistics (what `@kd/data` normalises MNIST with). */
export const MNIST_STATS: PixelNormalization = { mean: [0.1307], std: [0.3081] };

/** `values` (HWC, `channels` innermost) normalised as a dataset does it: `(x - mean[c]) / std[c]`. */
export function normalized(values: readonly number[], norm: PixelNormalization): Float32Array {
  const channels = norm.mean.length;
  return Float32Array.from(values, (x, i) => (x - norm.mean[i % channels]!) / norm.std[i % channels]!);
}
