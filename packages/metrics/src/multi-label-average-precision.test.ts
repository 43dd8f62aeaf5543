import { describe, expect, it } from 'vitest';
import { flatMatrix } from './matrix.js';
import { multiLabelAveragePrecision } from './multi-label-average-precision.js';

// N = 4 samples, K = 3 classes
const scores = [
  [0.9, 0.5, 0.2],
  [0.1, 0.5, 0.6],
  [0.8, 0.5, 0.4],
  [0.3, 0.5, 0.7],
];
const targets = [
  [1, 0, 0],
  [0, 0, 1],
  [0, 0, 1],
  [1, 0, 0],
];

describe('multiLabelAveragePrecision', () => {
  it('computes AP per column and averages over classes with positives', () => {
    const r = multiLabelAveragePrecision(scores, targets);
    // class 0 ranked: + (0.9) − (0.8) + (0.3) − (0.1) → (1 + 2/3) / 2 = 5/6
    expect(r.perClass[0]).toBeCloseTo(5 / 6, 12);
    // class 1 has no positives → NaN, left out of the mean
    expect(r.perClass[1]).toBeNaN();
    // class 2 ranked: − (0.7) + (0.6) + (0.4) − (0.2) → (1/2 + 2/3) / 2 = 7/12
    expect(r.perClass[2]).toBeCloseTo(7 / 12, 12);
    // (5/6 + 7/12) / 2 = 17/24 (counting class 1 as 0 would give 17/36)
    expect(r.mAP).toBeCloseTo(17 / 24, 12);
    expect(Array.from(r.positives)).toEqual([2, 0, 2]);
  });

  it('reads flat [N, K] buffers the same way', () => {
    const flat = multiLabelAveragePrecision(
      flatMatrix(Float32Array.from(scores.flat()), 4, 3),
      flatMatrix(Uint8Array.from(targets.flat()), 4, 3),
    );
    expect(flat.mAP).toBeCloseTo(17 / 24, 7); // float32 scores keep the same ranking
  });

  it('passes the tie rule on', () => {
    const s = [[0.5], [0.5]];
    const t = [[1], [0]];
    expect(multiLabelAveragePrecision(s, t).mAP).toBe(1);
    expect(multiLabelAveragePrecision(s, t, { ties: 'grouped' }).mAP).toBe(0.5);
  });

  it('is NaN when no class has a positive', () => {
    expect(multiLabelAveragePrecision([[0.3, 0.2]], [[0, 0]]).mAP).toBeNaN();
  });

  it('rejects shape mismatches and names the class of a bad target', () => {
    expect(() => multiLabelAveragePrecision(scores, targets.slice(1))).toThrow('scores is 4 × 3 but targets is 3 × 3');
    expect(() => multiLabelAveragePrecision([[0.1, 0.2]], [[1, 0.5]])).toThrow(
      'class 1: averagePrecision: targets[0] = 0.5 is not binary',
    );
  });
});
