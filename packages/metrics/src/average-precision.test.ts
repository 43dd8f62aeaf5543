import { describe, expect, it } from 'vitest';
import { averagePrecision } from './average-precision.js';

describe('averagePrecision', () => {
  it('averages the precision at the rank of each positive', () => {
    // ranked: + − + − +  → P@1 = 1, P@3 = 2/3, P@5 = 3/5 → (1 + 2/3 + 3/5) / 3 = 34/45
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 1])).toBeCloseTo(34 / 45, 12);
  });

  it('sorts by descending score whatever the input order', () => {
    // same ranking as above: 0.9 +, 0.8 −, 0.7 +, 0.6 −, 0.5 +
    expect(averagePrecision([0.7, 0.5, 0.9, 0.6, 0.8], [1, 1, 1, 0, 0])).toBeCloseTo(34 / 45, 12);
    // ±Infinity rank first / last: ranked − (Inf), + (0), + (−Inf) → (1/2 + 2/3) / 2
    expect(averagePrecision([Infinity, -Infinity, 0], [0, 1, 1])).toBeCloseTo(7 / 12, 12);
  });

  it('stable ties: tied scores keep their input order', () => {
    expect(averagePrecision([0.5, 0.5], [1, 0])).toBe(1); // + then −
    expect(averagePrecision([0.5, 0.5], [0, 1])).toBe(0.5); // − then +
    // − (0.9), then the tie in input order + + −: P@2 = 1/2, P@3 = 2/3
    expect(averagePrecision([0.9, 0.5, 0.5, 0.5], [0, 1, 1, 0])).toBeCloseTo(7 / 12, 12);
  });

  it('grouped ties (sklearn): a tied block is one threshold', () => {
    // one threshold at 0.5 with TP 1 of 2 → AP = 1 · 1/2, in either order
    expect(averagePrecision([0.5, 0.5], [1, 0], { ties: 'grouped' })).toBe(0.5);
    expect(averagePrecision([0.5, 0.5], [0, 1], { ties: 'grouped' })).toBe(0.5);
    // thresholds 0.9 (TP 0 / 1), 0.5 (TP 2 / 4) → ΔR = 1 at P = 1/2
    expect(averagePrecision([0.9, 0.5, 0.5, 0.5], [0, 1, 1, 0], { ties: 'grouped' })).toBe(0.5);
    // thresholds 0.9 (0/1), 0.8 (2/4, ΔR 2/3), 0.1 (3/5, ΔR 1/3) → 2/3·1/2 + 1/3·3/5 = 8/15
    expect(averagePrecision([0.9, 0.8, 0.8, 0.8, 0.1], [0, 1, 0, 1, 1], { ties: 'grouped' })).toBeCloseTo(8 / 15, 12);
    // without ties both rules agree
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 1], { ties: 'grouped' })).toBeCloseTo(34 / 45, 12);
  });

  it('is 1 when every positive ranks first and NaN without positives', () => {
    expect(averagePrecision([0.2, 0.9, 0.8, 0.1], [0, 1, 1, 0])).toBe(1);
    expect(averagePrecision([0.2, 0.9], [0, 0])).toBeNaN();
    expect(averagePrecision([], [])).toBeNaN();
  });

  it('accepts booleans and rejects non-binary targets, NaN scores, mismatched lengths', () => {
    expect(averagePrecision([0.1, 0.9], [true, false])).toBe(0.5);
    expect(() => averagePrecision([0.1, 0.9], [1, -1])).toThrow('targets[1] = -1 is not binary');
    expect(() => averagePrecision([0.1, 0.9], [1, 2])).toThrow('targets[1] = 2 is not binary');
    expect(() => averagePrecision([NaN], [1])).toThrow('scores[0] is NaN');
    expect(() => averagePrecision([0.1], [1, 0])).toThrow('scores has length 1 but targets has length 2');
    expect(() => averagePrecision([0.1], [1], { ties: 'random' as never })).toThrow("unknown ties rule 'random'");
  });
});
