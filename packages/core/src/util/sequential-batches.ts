/**
 * The indices 0…size−1 in consecutive batches of at most `batchSize` (the last one may be shorter):
 * how evaluation, report and caching passes walk a split in order.
 */
export function* sequentialBatches(size: number, batchSize: number): Generator<Int32Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  for (let start = 0; start < size; start += batchSize) {
    yield Int32Array.from({ length: Math.min(batchSize, size - start) }, (_, i) => start + i);
  }
}
