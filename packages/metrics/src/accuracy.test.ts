import { describe, expect, it } from 'vitest';
import { top1Accuracy } from './accuracy.js';

describe('top1Accuracy', () => {
  it('is the fraction of exact matches', () => {
    // matches at 0, 1, 3 → 3 / 5
    expect(top1Accuracy([0, 1, 2, 2, 1], [0, 1, 1, 2, 0])).toBe(0.6);
    expect(top1Accuracy(Int32Array.of(4, 4), Int32Array.of(4, 4))).toBe(1);
    expect(top1Accuracy([1], [0])).toBe(0);
  });

  it('is NaN without samples', () => {
    expect(top1Accuracy([], [])).toBeNaN();
  });

  it('rejects mismatched lengths and non-class ids', () => {
    expect(() => top1Accuracy([0, 1, 2], [0, 1])).toThrow(
      'top1Accuracy: predictions has length 3 but labels has length 2',
    );
    expect(() => top1Accuracy([0.5], [0])).toThrow('predictions[0] = 0.5 is not an integer');
    expect(() => top1Accuracy([0], [-1])).toThrow('labels[0] = -1');
  });
});
