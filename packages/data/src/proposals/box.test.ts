import { describe, expect, it } from 'vitest';
import { boxArea, boxAt, boxIoU, boxIoUAt, clipBox, intersectionAt } from './box.js';

describe('boxes', () => {
  it('computes areas as (x2 − x1)(y2 − y1), 0 for empty boxes', () => {
    expect(boxArea([0, 0, 4, 3])).toBe(12);
    expect(boxArea([1.5, 2, 2, 4])).toBe(1);
    expect(boxArea([3, 0, 3, 5])).toBe(0);
    expect(boxArea([4, 0, 3, 5])).toBe(0);
    expect(boxArea([9, 9, 0, 0, 0, 0, 2, 2], 4)).toBe(4);
  });

  it('computes IoU on hand-made boxes', () => {
    // [0,0,4,4] and [2,2,6,6]: intersection 2×2 = 4, union 16 + 16 − 4 = 28
    expect(boxIoU([0, 0, 4, 4], [2, 2, 6, 6])).toBeCloseTo(4 / 28, 12);
    expect(boxIoU([0, 0, 4, 4], [0, 0, 4, 4])).toBe(1);
    // contained: [1,1,3,3] in [0,0,4,4] → 4 / 16
    expect(boxIoU([1, 1, 3, 3], [0, 0, 4, 4])).toBe(0.25);
    // touching edges do not overlap
    expect(boxIoU([0, 0, 2, 2], [2, 0, 4, 2])).toBe(0);
    expect(boxIoU([0, 0, 2, 2], [5, 5, 6, 6])).toBe(0);
    // continuous coordinates: [0,0,1.5,1] ∩ [0.5,0,2,1] = 1 × 1, union 1.5 + 1.5 − 1 = 2
    expect(boxIoU([0, 0, 1.5, 1], [0.5, 0, 2, 1])).toBeCloseTo(0.5, 12);
    expect(boxIoU([2, 2, 2, 2], [2, 2, 2, 2])).toBe(0);
  });

  it('reads boxes from flat arrays', () => {
    const a = Float32Array.of(0, 0, 1, 1, 0, 0, 4, 4);
    const b = [2, 2, 6, 6];
    expect(intersectionAt(a, 1, b, 0)).toBe(4);
    expect(boxIoUAt(a, 1, b, 0)).toBeCloseTo(4 / 28, 6);
    expect(boxIoUAt(a, 0, b, 0)).toBe(0);
    expect(boxAt(a, 1)).toEqual([0, 0, 4, 4]);
  });

  it('clips to the canvas', () => {
    expect(clipBox([-2, 3, 70, 80], 64, 60)).toEqual([0, 3, 60, 64]);
  });
});
