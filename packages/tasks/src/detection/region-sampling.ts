import type { Rng } from '@kd/core';

/**
 * The regions of one image a training step learns from (torchvision's
 * `BalancedPositiveNegativeSampler`, the TPU code's RoI sampling): at most
 * ⌊perImage · foregroundFraction⌋ foreground regions (label ≥ 1), then background regions (label 0)
 * up to `perImage` in all, each drawn uniformly without replacement by `rng`. Ignored regions
 * (label −1) are never drawn. Returns the region indices, ascending.
 */
export function sampleRegions(
  labels: ArrayLike<number>,
  perImage: number,
  foregroundFraction: number,
  rng: Rng,
): Int32Array {
  const fg: number[] = [];
  const bg: number[] = [];
  for (let r = 0; r < labels.length; r++) {
    if (labels[r]! >= 1) fg.push(r);
    else if (labels[r] === 0) bg.push(r);
  }
  const fgCount = Math.min(fg.length, Math.floor(perImage * foregroundFraction));
  const bgCount = Math.min(bg.length, perImage - fgCount);
  const draw = (from: number[], count: number) =>
    Array.from(rng.permutation(from.length).subarray(0, count), (i) => from[i]!);
  return Int32Array.from([...draw(fg, fgCount), ...draw(bg, bgCount)]).sort();
}
