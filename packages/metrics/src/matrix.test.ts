import { describe, expect, it } from 'vitest';
import { flatMatrix, readMatrix } from './matrix.js';

describe('Matrix', () => {
  it('reads rows and a flat row-major buffer into the same values', () => {
    const rows = readMatrix('t', 'm', [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const flat = readMatrix('t', 'm', flatMatrix(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3));
    expect([rows.rows, rows.cols]).toEqual([2, 3]);
    expect([flat.rows, flat.cols]).toEqual([2, 3]);
    expect(Array.from(rows.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(flat.data)).toEqual([1, 2, 3, 4, 5, 6]);
    // element (1, 0) is data[1 * cols + 0]
    expect(flat.data[1 * 3 + 0]).toBe(4);
  });

  it('accepts typed-array rows and an empty list', () => {
    const m = readMatrix('t', 'm', [Int32Array.of(7, 8), Int32Array.of(9, 10)]);
    expect(Array.from(m.data)).toEqual([7, 8, 9, 10]);
    expect(readMatrix('t', 'm', [])).toMatchObject({ rows: 0, cols: 0 });
  });

  it('rejects ragged rows and wrongly sized buffers', () => {
    expect(() => readMatrix('t', 'scores', [[1, 2], [3]])).toThrow('t: scores row 1 has 1 values, row 0 has 2');
    expect(() => flatMatrix([1, 2, 3], 2, 2)).toThrow('data has length 3, expected rows × cols = 2 × 2 = 4');
    expect(() => readMatrix('t', 'scores', { data: [1, 2, 3], rows: 1, cols: 2 })).toThrow('t: scores has 3 values');
    expect(() => flatMatrix([], -1, 0)).toThrow('rows and cols must be integers');
  });
});
