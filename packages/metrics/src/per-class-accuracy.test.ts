import { describe, expect, it } from 'vitest';
import { meanPerClassAccuracy, perClassAccuracy } from './per-class-accuracy.js';

// class 0: 3 samples, 2 right; class 1: 2 samples, 1 right; class 2: no samples (but predicted once);
// class 3: 1 sample, right.
const labels = [0, 0, 0, 1, 1, 3];
const predictions = [0, 2, 0, 1, 0, 3];

describe('perClassAccuracy', () => {
  it('divides the correct predictions of each class by its sample count', () => {
    const acc = perClassAccuracy(predictions, labels, 4);
    expect(acc).toHaveLength(4);
    expect(acc[0]).toBeCloseTo(2 / 3, 12);
    expect(acc[1]).toBe(0.5);
    expect(acc[3]).toBe(1);
  });

  it('gives NaN, not 0, to a class without samples even if it is predicted', () => {
    expect(perClassAccuracy(predictions, labels, 4)[2]).toBeNaN();
    expect(perClassAccuracy([], [], 2).every(Number.isNaN)).toBe(true);
  });

  it('mean per-class accuracy skips classes without samples', () => {
    // (2/3 + 1/2 + 1) / 3 = 13/18; counting the empty class as 0 would give 13/24
    expect(meanPerClassAccuracy(predictions, labels, 4)).toBeCloseTo(13 / 18, 12);
    expect(meanPerClassAccuracy([], [], 3)).toBeNaN();
  });

  it('rejects ids outside [0, numClasses) and mismatched lengths', () => {
    expect(() => perClassAccuracy([4], [0], 4)).toThrow('predictions[0] = 4 is not an integer in [0, 4)');
    expect(() => perClassAccuracy([0], [4], 4)).toThrow('labels[0] = 4');
    expect(() => perClassAccuracy([0, 1], [0], 4)).toThrow('predictions has length 2 but labels has length 1');
    expect(() => perClassAccuracy([0], [0], 0)).toThrow('numClasses must be an integer ≥ 1');
  });
});
