import { describe, expect, it } from 'vitest';
import { createCanvas, getPixel, type Canvas } from './canvas.js';
import { drawRect } from './rect.js';

const RED = [255, 0, 0] as const;

/** The canvas as rows of '#' (red) and '.' (black). */
function picture(c: Canvas): string[] {
  return Array.from({ length: c.height }, (_, y) =>
    Array.from({ length: c.width }, (_, x) => {
      const p = getPixel(c, x, y);
      if (p.every((v) => v === 0)) return '.';
      if (p[0] === 255 && p[1] === 0 && p[2] === 0) return '#';
      return '?';
    }).join(''),
  );
}

describe('drawRect', () => {
  it('sets exactly the outline pixels and leaves the interior untouched', () => {
    const c = createCanvas(7, 6);
    drawRect(c, { x: 1, y: 1, width: 5, height: 4 }, RED);
    expect(picture(c)).toEqual([
      '.......', //
      '.#####.',
      '.#...#.',
      '.#...#.',
      '.#####.',
      '.......',
    ]);
  });

  it('draws thick outlines inwards', () => {
    const c = createCanvas(8, 8);
    drawRect(c, { x: 1, y: 1, width: 6, height: 6 }, RED, 2);
    expect(picture(c)).toEqual([
      '........', //
      '.######.',
      '.######.',
      '.##..##.',
      '.##..##.',
      '.######.',
      '.######.',
      '........',
    ]);
  });

  it('fills rectangles too small for a hole', () => {
    const c = createCanvas(5, 5);
    drawRect(c, { x: 1, y: 1, width: 3, height: 3 }, RED, 2);
    expect(picture(c)).toEqual(['.....', '.###.', '.###.', '.###.', '.....']);
  });

  it('is clipped at the canvas border: hidden edges are missing, nothing wraps around', () => {
    const c = createCanvas(5, 4);
    drawRect(c, { x: -2, y: 1, width: 5, height: 5 }, RED);
    expect(picture(c)).toEqual([
      '.....', //
      '###..',
      '..#..',
      '..#..',
    ]);
    const d = createCanvas(5, 4);
    drawRect(d, { x: 3, y: -1, width: 4, height: 3 }, RED);
    expect(picture(d)).toEqual(['...#.', '...##', '.....', '.....']);
  });

  it('is clipped to a clip rectangle', () => {
    const c = createCanvas(6, 6);
    drawRect(c, { x: 0, y: 0, width: 6, height: 6 }, RED, 1, { x: 0, y: 0, width: 3, height: 6 });
    expect(picture(c)).toEqual(['###...', '#.....', '#.....', '#.....', '#.....', '###...']);
  });

  it('rounds fractional corners and rejects bad thicknesses', () => {
    const c = createCanvas(4, 4);
    drawRect(c, { x: 0.4, y: 0.6, width: 2.2, height: 3 }, RED);
    expect(picture(c)).toEqual(['....', '###.', '#.#.', '###.']);
    expect(() => drawRect(c, { x: 0, y: 0, width: 2, height: 2 }, RED, 0)).toThrow(RangeError);
  });
});
