import { Rng } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { edgeMap, edgeSum } from './edge-map.js';
import { objectness } from './objectness.js';

/** An H×W image with a filled rectangle [x1, x2) × [y1, y2) of ones. */
function square(h: number, w: number, x1: number, y1: number, x2: number, y2: number): Float32Array {
  const img = new Float32Array(h * w);
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) img[y * w + x] = 1;
  return img;
}

describe('edgeMap', () => {
  it('is the normalised central-difference gradient magnitude', () => {
    // a vertical step between columns 1 and 2 of a 3×4 image: gx = 0.5 at columns 1 and 2
    const img = Float32Array.of(0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1);
    const m = edgeMap(img, 3, 4);
    expect(Array.from(m.magnitude)).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
    expect(Array.from(edgeMap(new Float32Array(6).fill(0.3), 2, 3).magnitude)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('sums boxes like a brute-force loop, clipping to the canvas', () => {
    const rng = new Rng(1);
    const h = 9;
    const w = 7;
    const img = Float32Array.from({ length: h * w }, () => rng.next());
    const m = edgeMap(img, h, w);
    const brute = (x1: number, y1: number, x2: number, y2: number) => {
      let s = 0;
      for (let y = Math.max(0, y1); y < Math.min(h, y2); y++)
        for (let x = Math.max(0, x1); x < Math.min(w, x2); x++) s += m.magnitude[y * w + x]!;
      return s;
    };
    for (const [x1, y1, x2, y2] of [
      [0, 0, 7, 9],
      [2, 3, 5, 4],
      [-3, -1, 4, 20],
      [6, 8, 7, 9],
      [4, 4, 4, 6],
      [5, 2, 3, 6],
    ] as const) {
      expect(edgeSum(m, x1, y1, x2, y2)).toBeCloseTo(brute(x1, y1, x2, y2), 9);
    }
  });
});

describe('objectness', () => {
  const h = 32;
  const w = 32;
  const m = edgeMap(square(h, w, 10, 8, 20, 22), h, w);
  const cfg = { kappa: 2, ringFraction: 0.2 };
  const score = (b: [number, number, number, number]) => objectness(m, ...b, cfg);

  it('is (E_in − E_ring) / (2(w + h))^κ on the rounded box', () => {
    const [x1, y1, x2, y2] = [9, 7, 21, 23]; // 12 × 16, ring max(1, round(0.2·12)) = 2
    const inside = edgeSum(m, x1, y1, x2, y2);
    const ring = edgeSum(m, x1 - 2, y1 - 2, x2 + 2, y2 + 2) - inside;
    expect(score([x1, y1, x2, y2])).toBeCloseTo((inside - ring) / Math.pow(2 * 28, 2), 12);
    expect(score([8.6, 7.4, 20.5, 22.6])).toBe(score([x1, y1, x2, y2])); // rounds to the same pixels
  });

  it('scores a box around the object above boxes that cut it, miss it or are much larger', () => {
    const tight = score([9, 7, 21, 23]);
    expect(tight).toBeGreaterThan(score([10, 8, 15, 22])); // cuts the square in half
    expect(tight).toBeGreaterThan(score([24, 0, 32, 6])); // background
    expect(tight).toBeGreaterThan(score([0, 0, 32, 32])); // whole canvas
    expect(tight).toBeGreaterThan(score([4, 2, 26, 28])); // loose
    expect(score([24, 0, 32, 6])).toBe(0);
  });

  it('handles degenerate boxes as 1×1 pixels', () => {
    expect(Number.isFinite(score([31.9, 31.9, 31.9, 31.9]))).toBe(true);
    expect(Number.isFinite(score([40, 40, 50, 50]))).toBe(true);
  });
});
