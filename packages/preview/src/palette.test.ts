import { describe, expect, it } from 'vitest';
import { CLASS_PALETTE, classColour, contrastingColour } from './palette.js';

describe('palette', () => {
  it('has 12 distinct colours, given to class ids deterministically and cyclically', () => {
    expect(CLASS_PALETTE.length).toBe(12);
    expect(new Set(CLASS_PALETTE.map((c) => c.join(','))).size).toBe(12);
    expect(classColour(0)).toEqual([230, 25, 75]);
    expect(classColour(3)).toEqual(classColour(3));
    expect(classColour(13)).toEqual(classColour(1));
    expect(classColour(-1)).toEqual(classColour(11));
    expect(() => classColour(1.5)).toThrow(RangeError);
  });

  it('colours are pairwise far apart', () => {
    for (let i = 0; i < 12; i++) {
      for (let j = i + 1; j < 12; j++) {
        const [a, b] = [CLASS_PALETTE[i]!, CLASS_PALETTE[j]!];
        expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]), `${i} vs ${j}`).toBeGreaterThan(70);
      }
    }
  });

  it('picks black text on light colours and white on dark ones', () => {
    expect(contrastingColour([255, 225, 25])).toEqual([0, 0, 0]);
    expect(contrastingColour([0, 0, 128])).toEqual([255, 255, 255]);
  });
});
