import { describe, expect, it } from 'vitest';
import { batchCount, batchIndices, epochOrder } from './data-order.js';

describe('epochOrder', () => {
  it('is a permutation of 0..n-1', () => {
    const o = epochOrder(1000, 42, 0);
    expect(o).toBeInstanceOf(Int32Array);
    expect([...o].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('is deterministic per (seed, epoch) and differs across epochs and seeds', () => {
    expect(epochOrder(500, 1, 3)).toEqual(epochOrder(500, 1, 3));
    expect(epochOrder(500, 1, 3)).not.toEqual(epochOrder(500, 1, 4));
    expect(epochOrder(500, 1, 3)).not.toEqual(epochOrder(500, 2, 3));
    expect(epochOrder(0, 1, 0).length).toBe(0);
  });
});

describe('batchIndices', () => {
  const order = Int32Array.from({ length: 10 }, (_, i) => 9 - i);

  it('yields consecutive slices, keeping the short last one unless dropLast', () => {
    const keep = [...batchIndices(order, 4)].map((b) => [...b]);
    expect(keep).toEqual([
      [9, 8, 7, 6],
      [5, 4, 3, 2],
      [1, 0],
    ]);
    const drop = [...batchIndices(order, 4, true)].map((b) => [...b]);
    expect(drop).toEqual([
      [9, 8, 7, 6],
      [5, 4, 3, 2],
    ]);
    expect(batchCount(10, 4, false)).toBe(3);
    expect(batchCount(10, 4, true)).toBe(2);
    expect([...batchIndices(order, 5, true)].length).toBe(2);
  });

  it('rejects a bad batch size', () => {
    expect(() => [...batchIndices(order, 0)]).toThrow(RangeError);
  });
});
