import { describe, expect, it } from 'vitest';
import { correctLocalization } from './correct-localization.js';

describe('correctLocalization (CorLoc)', () => {
  const box = (x: number, y: number, s = 10) => [x, y, x + s, y + s] as const;

  it('is the per-class hit rate at IoU ≥ 0.5, averaged over the classes with a query', () => {
    const { corLoc, perClass } = correctLocalization(
      [
        { classId: 0, predicted: box(0, 0), truth: [box(0, 0)] }, // hit (IoU 1)
        { classId: 0, predicted: box(5, 0), truth: [box(0, 0)] }, // IoU 50/150 = 1/3: miss
        { classId: 2, predicted: box(2, 0), truth: [box(40, 40), box(0, 0)] }, // IoU 80/120 = 2/3 with the second: hit
      ],
      3,
    );
    expect(perClass[0]).toBe(0.5);
    expect(perClass[1]).toBeNaN();
    expect(perClass[2]).toBe(1);
    expect(corLoc).toBe(0.75);
  });

  it('counts IoU exactly at the threshold as a hit, and follows a given threshold', () => {
    // [0,0,10,10] vs [0,0,10,20]: IoU 100/200 = 0.5
    const q = [{ classId: 0, predicted: box(0, 0), truth: [[0, 0, 10, 20] as const] }];
    expect(correctLocalization(q, 1).corLoc).toBe(1);
    expect(correctLocalization(q, 1, 0.6).corLoc).toBe(0);
  });

  it('refuses a class out of range and a query without a true box; no query gives NaN', () => {
    expect(() => correctLocalization([{ classId: 3, predicted: box(0, 0), truth: [box(0, 0)] }], 3)).toThrow(
      /class 3 outside \[0, 3\)/,
    );
    expect(() => correctLocalization([{ classId: 0, predicted: box(0, 0), truth: [] }], 3)).toThrow(/no true box/);
    expect(correctLocalization([], 3).corLoc).toBeNaN();
  });
});
