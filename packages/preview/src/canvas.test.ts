import { describe, expect, it } from 'vitest';
import {
  colourBytes,
  createCanvas,
  fillCanvas,
  fillRect,
  getPixel,
  intersectRect,
  setPixel,
  type Canvas,
} from './canvas.js';

/** Coordinates of the pixels that are not black. */
function inked(c: Canvas): string[] {
  const out: string[] = [];
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++) if (getPixel(c, x, y).some((v) => v !== 0)) out.push(`${x},${y}`);
  return out;
}

describe('canvas', () => {
  it('creates black RGB canvases, or filled ones', () => {
    const c = createCanvas(4, 3);
    expect(c.channels).toBe(3);
    expect(c.data.length).toBe(36);
    expect(c.data.every((v) => v === 0)).toBe(true);
    const d = createCanvas(2, 2, { background: [1, 2, 3] });
    expect([...d.data]).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(() => createCanvas(-1, 2)).toThrow(RangeError);
    expect(() => createCanvas(1.5, 2)).toThrow(RangeError);
  });

  it('RGBA canvases get opaque colours unless given an alpha', () => {
    const c = createCanvas(1, 1, { channels: 4 });
    fillCanvas(c, [10, 20, 30]);
    expect(getPixel(c, 0, 0)).toEqual([10, 20, 30, 255]);
    fillCanvas(c, [10, 20, 30, 40]);
    expect(getPixel(c, 0, 0)).toEqual([10, 20, 30, 40]);
  });

  it('rounds and clamps colour components', () => {
    expect(colourBytes(createCanvas(1, 1), [-5, 300.2, 12.6])).toEqual([0, 255, 13]);
  });

  it('fills rectangles clipped at the borders without wrapping into other rows', () => {
    const c = createCanvas(5, 4);
    fillRect(c, { x: -2, y: -1, width: 4, height: 3 }, [9, 9, 9]);
    expect(inked(c)).toEqual(['0,0', '1,0', '0,1', '1,1']);
    const d = createCanvas(5, 4);
    fillRect(d, { x: 3, y: 3, width: 10, height: 10 }, [9, 9, 9]);
    expect(inked(d)).toEqual(['3,3', '4,3']);
  });

  it('fills only inside a clip rectangle', () => {
    const c = createCanvas(6, 6);
    fillRect(c, { x: 0, y: 0, width: 6, height: 6 }, [1, 1, 1], { x: 2, y: 3, width: 2, height: 1 });
    expect(inked(c)).toEqual(['2,3', '3,3']);
  });

  it('ignores pixels set outside and refuses to read them', () => {
    const c = createCanvas(2, 2);
    setPixel(c, 2, 0, [5, 5, 5]);
    setPixel(c, -1, 1, [5, 5, 5]);
    expect(inked(c)).toEqual([]);
    setPixel(c, 1, 1, [5, 6, 7]);
    expect(getPixel(c, 1, 1)).toEqual([5, 6, 7]);
    expect(() => getPixel(c, 2, 0)).toThrow(RangeError);
  });

  it('intersects rectangles', () => {
    expect(intersectRect({ x: 1, y: 1, width: 4, height: 4 }, { x: 3, y: 0, width: 10, height: 2 })).toEqual({
      x: 3,
      y: 1,
      width: 2,
      height: 1,
    });
    expect(intersectRect({ x: 0, y: 0, width: 1, height: 1 }, { x: 5, y: 5, width: 1, height: 1 })).toMatchObject({
      width: 0,
      height: 0,
    });
  });
});
