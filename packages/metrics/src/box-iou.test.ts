import { describe, expect, it } from 'vitest';
import { boxArea, boxIou } from './box-iou.js';

describe('boxIou (continuous coordinates, width = x2 − x1)', () => {
  it('partial overlap', () => {
    // intersection [5,5]–[10,10] = 25, union 100 + 100 − 25 = 175. (With the VOC devkit's +1 widths
    // it would be 36 / 206.)
    expect(boxIou([0, 0, 10, 10], [5, 5, 15, 15])).toBeCloseTo(1 / 7, 12);
  });

  it('containment, identity, disjoint and touching boxes', () => {
    expect(boxIou([0, 0, 4, 4], [1, 1, 3, 3])).toBe(4 / 16);
    expect(boxIou([1, 2, 3, 5], [1, 2, 3, 5])).toBe(1);
    expect(boxIou([0, 0, 1, 1], [2, 2, 3, 3])).toBe(0);
    // sharing an edge: intersection has zero width (it would be 1·2 = 2 pixels with +1 widths)
    expect(boxIou([0, 0, 1, 1], [1, 0, 2, 1])).toBe(0);
  });

  it('fractional coordinates and asymmetric overlap', () => {
    // intersection [1.5, 2.5] × [0.5, 1.5] = 1, areas 2 and 2 → 1 / 3
    expect(boxIou([0.5, 0.5, 2.5, 1.5], [1.5, 0.5, 3.5, 1.5])).toBeCloseTo(1 / 3, 12);
    // exactly 0.5: [0,0,1,1] inside [0,0,2,1]
    expect(boxIou([0, 0, 1, 1], [0, 0, 2, 1])).toBe(0.5);
    expect(boxIou([0, 0, 2, 1], [0, 0, 1, 1])).toBe(0.5);
  });

  it('zero-area boxes have IoU 0', () => {
    expect(boxIou([1, 1, 1, 1], [1, 1, 1, 1])).toBe(0);
    expect(boxIou([1, 1, 1, 3], [0, 0, 4, 4])).toBe(0);
  });

  it('boxArea', () => {
    expect(boxArea([1, 2, 4, 6])).toBe(12);
    expect(boxArea(Float32Array.of(0, 0, 0.5, 2))).toBe(1);
  });

  it('rejects malformed boxes', () => {
    expect(() => boxIou([2, 0, 1, 1], [0, 0, 1, 1])).toThrow('boxIou: a = [2, 0, 1, 1] has x2 < x1 or y2 < y1');
    expect(() => boxIou([0, 0, 1, 1], [0, 0, 1])).toThrow('boxIou: b has 3 coordinates');
    expect(() => boxIou([0, 0, NaN, 1], [0, 0, 1, 1])).toThrow('a[2] = NaN is not a finite number');
  });
});
