import { describe, expect, it } from 'vitest';
import { sequentialBatches } from './sequential-batches.js';

describe('sequentialBatches', () => {
  it('covers 0…size−1 in order, the last batch shorter; nothing for an empty split', () => {
    expect([...sequentialBatches(7, 3)].map((b) => Array.from(b))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect([...sequentialBatches(6, 3)]).toHaveLength(2);
    expect([...sequentialBatches(0, 3)]).toEqual([]);
    expect(() => [...sequentialBatches(3, 0)]).toThrow(/positive integer/);
  });
});
