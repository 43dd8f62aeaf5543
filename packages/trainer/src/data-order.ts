import { Rng, deriveSeed } from '@kd/core';

/**
 * The sample order of one epoch: a permutation of 0..n-1 seeded by (seed, 'order', epoch), so
 * epoch e of a resumed run sees exactly the order an uninterrupted run would.
 */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`epochOrder: n must be an integer ≥ 0, got ${n}`);
  return new Rng(deriveSeed(seed, 'order', epoch)).permutation(n);
}

/** Number of batches `batchIndices` yields. */
export function batchCount(n: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * Consecutive slices of `order` of `batchSize` indices (views, not copies); the last, shorter
 * slice is skipped when `dropLast`.
 */
export function* batchIndices(order: Int32Array, batchSize: number, dropLast = false): Generator<Int32Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchIndices: batchSize must be an integer ≥ 1, got ${batchSize}`);
  for (let start = 0; start < order.length; start += batchSize) {
    const end = Math.min(order.length, start + batchSize);
    if (dropLast && end - start < batchSize) return;
    yield order.subarray(start, end);
  }
}
