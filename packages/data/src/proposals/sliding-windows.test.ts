import { describe, expect, it } from 'vitest';
import { slidingWindows } from './sliding-windows.js';

const windows = (sizes: number[], aspectRatios: number[], stride: number, h: number, w: number) => {
  const out: number[] = [];
  slidingWindows({ sizes, aspectRatios, stride }, h, w, out);
  return Array.from({ length: out.length / 4 }, (_, i) => out.slice(4 * i, 4 * i + 4));
};

describe('slidingWindows', () => {
  it('places windows every stride pixels, flush with the right and bottom edges', () => {
    const ws = windows([4], [1], 3, 8, 10);
    // x positions 0, 3, 6 (≤ 10 − 4 = 6); y positions 0, 3, 4 (4 added flush)
    expect(ws.map((b) => b[0])).toEqual([0, 3, 6, 0, 3, 6, 0, 3, 6]);
    expect(ws.map((b) => b[1])).toEqual([0, 0, 0, 3, 3, 3, 4, 4, 4]);
    expect(ws.every((b) => b[2]! - b[0]! === 4 && b[3]! - b[1]! === 4 && b[2]! <= 10 && b[3]! <= 8)).toBe(true);
  });

  it('uses every size with every aspect ratio h/w and skips windows that do not fit', () => {
    const ws = windows([8, 100], [1, 4], 100, 16, 16);
    // size 8: 8×8 (ratio 1) and w = 4, h = 16 (ratio 4); size 100 does not fit
    expect(ws).toEqual([
      [0, 0, 8, 8],
      [8, 0, 16, 8],
      [0, 8, 8, 16],
      [8, 8, 16, 16],
      [0, 0, 4, 16],
      [12, 0, 16, 16],
    ]);
  });
});
