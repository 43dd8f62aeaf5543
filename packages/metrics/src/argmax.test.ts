import { describe, expect, it } from 'vitest';
import { argmaxRows } from './argmax.js';
import { flatMatrix } from './matrix.js';

describe('argmaxRows', () => {
  it('picks the largest score of each row; ties go to the lowest index', () => {
    const scores = [
      [0.1, 0.7, 0.2],
      [3, -1, 3], // tie between 0 and 2 → 0
      [-5, -2, -9], // all negative
      [-Infinity, -Infinity, -Infinity], // → 0
      [1, 2, Infinity],
    ];
    expect(Array.from(argmaxRows(scores))).toEqual([1, 0, 1, 0, 2]);
  });

  it('reads a flat buffer the same way', () => {
    const flat = flatMatrix(Float32Array.of(0.1, 0.7, 0.2, 3, -1, 3), 2, 3);
    expect(Array.from(argmaxRows(flat))).toEqual([1, 0]);
  });

  it('rejects NaN and rows without columns', () => {
    expect(() => argmaxRows([[0, NaN]])).toThrow('argmaxRows: scores[0][1] is NaN');
    expect(() => argmaxRows(flatMatrix([], 2, 0))).toThrow('no columns');
  });
});
