import { describe, expect, it } from 'vitest';
import { MNIST_STATS, normalized } from '../test/normalized.js';
import { getPixel, type Canvas, type Colour } from './canvas.js';
import { DEFAULT_BACKGROUND, DEFAULT_FOREGROUND, renderGrid } from './grid.js';
import { layoutGrid } from './grid-layout.js';
import { classColour, contrastingColour } from './palette.js';
import type { PreviewTile } from './tile.js';

const grey = (v: number, size = 4): PreviewTile['image'] => ({
  data: new Float32Array(size * size).fill(v),
  shape: [size, size],
});

/** Pixels of `c` inside [x0, x1) × [y0, y1) that have colour `colour`. */
function count(c: Canvas, colour: Colour, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (getPixel(c, x, y).join() === [...colour].join()) n++;
  return n;
}

describe('renderGrid', () => {
  it('has the layout size and draws the images where the layout says', () => {
    const tiles = [{ image: grey(1) }, { image: grey(0.2) }, { image: grey(0) }];
    const options = { scale: 3, margin: 2, columns: 2 };
    const c = renderGrid(tiles, options);
    const g = layoutGrid(tiles, options);
    expect([c.width, c.height, c.channels]).toEqual([g.width, g.height, 3]);
    expect([c.width, c.height]).toEqual([2 + 12 + 2 + 12 + 2, 2 + 12 + 2 + 12 + 2]);
    const [t0, t1, t2] = g.tiles;
    expect(count(c, [255, 255, 255], t0!.imageX, t0!.imageY, t0!.imageX + 12, t0!.imageY + 12)).toBe(144);
    expect(count(c, [51, 51, 51], t1!.imageX, t1!.imageY, t1!.imageX + 12, t1!.imageY + 12)).toBe(144);
    expect(count(c, [0, 0, 0], t2!.imageX, t2!.imageY, t2!.imageX + 12, t2!.imageY + 12)).toBe(144);
    // The empty fourth cell, margins and gaps are background.
    expect(count(c, DEFAULT_BACKGROUND, 0, 0, c.width, c.height)).toBe(c.width * c.height - 3 * 144);
  });

  it('outlines boxes in their class colour, leaving the inside of the image alone', () => {
    const c = renderGrid([{ image: grey(1), boxes: [{ x: 1, y: 1, width: 2, height: 2, classId: 3, label: '' }] }], {
      scale: 3,
      margin: 2,
    });
    const box = classColour(3);
    // Box: canvas columns/rows 2+3 .. 2+3+6 with a 1-pixel outline.
    expect(count(c, box, 0, 0, c.width, c.height)).toBe(20);
    for (let i = 5; i < 11; i++) {
      expect(getPixel(c, i, 5)).toEqual([...box]);
      expect(getPixel(c, i, 10)).toEqual([...box]);
      expect(getPixel(c, 5, i)).toEqual([...box]);
      expect(getPixel(c, 10, i)).toEqual([...box]);
    }
    expect(count(c, [255, 255, 255], 6, 6, 10, 10)).toBe(16);
  });

  it('clips boxes to their image and tags them with a label in a contrasting colour', () => {
    const tiles: PreviewTile[] = [
      { image: grey(0, 28), boxes: [{ x: 20, y: 10, width: 20, height: 30, classId: 2 }] },
      { image: grey(0, 28), boxes: [{ x: 2, y: 2, width: 10, height: 10, label: 'cat', colour: [0, 0, 255] }] },
    ];
    const c = renderGrid(tiles, { scale: 2, margin: 4 });
    const g = layoutGrid(tiles, { scale: 2, margin: 4 });
    const [a, b] = g.tiles;
    // Nothing of box 0 outside its image (it sticks out to the right and bottom).
    const yellow = classColour(2);
    expect(count(c, yellow, 0, 0, c.width, c.height)).toBe(
      count(c, yellow, a!.imageX, a!.imageY, a!.imageX + 56, a!.imageY + 56),
    );
    expect(count(c, yellow, a!.imageX + 40, a!.imageY + 20, a!.imageX + 56, a!.imageY + 21)).toBe(16); // top edge, to the image's edge
    // Its label "2" is black ink on a 7×10 yellow tag at the top-left of the box.
    expect(contrastingColour(yellow)).toEqual([0, 0, 0]);
    const tag = count(c, yellow, a!.imageX + 40, a!.imageY + 20, a!.imageX + 47, a!.imageY + 30);
    expect(tag).toBeLessThan(70);
    expect(tag).toBeGreaterThan(50);
    expect(count(c, yellow, a!.imageX + 47, a!.imageY + 21, a!.imageX + 56, a!.imageY + 30)).toBe(0);
    // Right edge clipped away: the image column 55 has no outline pixels below the tag.
    expect(count(c, yellow, a!.imageX + 55, a!.imageY + 40, a!.imageX + 56, a!.imageY + 56)).toBe(0);
    expect(count(c, yellow, a!.imageX + 40, a!.imageY + 40, a!.imageX + 41, a!.imageY + 56)).toBe(16);
    // "cat" is white on blue: 3 glyphs of white ink inside box 1's tag.
    const white = count(c, [255, 255, 255], b!.imageX + 4, b!.imageY + 4, b!.imageX + 4 + 19, b!.imageY + 4 + 10);
    expect(white).toBeGreaterThan(15);
    expect(getPixel(c, b!.imageX + 4, b!.imageY + 4)).toEqual([0, 0, 255]);
  });

  it('writes the title and caption lines in their colours', () => {
    const tiles: PreviewTile[] = [{ image: grey(0, 28), lines: ['plain', { text: 'green', colour: [0, 255, 0] }] }];
    const c = renderGrid(tiles, { title: 'title' });
    const g = layoutGrid(tiles, { title: 'title' });
    const t = g.tiles[0]!;
    expect(count(c, DEFAULT_FOREGROUND, 8, 8, c.width, 8 + g.titleHeight)).toBeGreaterThan(10);
    expect(count(c, DEFAULT_FOREGROUND, 0, t.captionY, c.width, t.captionY + 9)).toBeGreaterThan(10);
    expect(count(c, [0, 255, 0], 0, t.captionY + 9, c.width, t.captionY + 18)).toBeGreaterThan(10);
    expect(count(c, [0, 255, 0], 0, 0, c.width, t.captionY + 9)).toBe(0);
  });

  it('undoes the normalisation, per grid or per tile', () => {
    const data = normalized([0.6, 0.6, 0.6, 0.6], MNIST_STATS);
    const image = { data, shape: [2, 2] as const };
    const c = renderGrid([{ image }, { image, normalization: null }], {
      scale: 1,
      margin: 0,
      gap: 1,
      normalization: MNIST_STATS,
    });
    expect(getPixel(c, 0, 0)).toEqual([153, 153, 153]);
    expect(getPixel(c, 3, 0)[0]).toBe(Math.round(Math.min(1, data[0]!) * 255));
  });

  it('renders RGBA canvases when asked', () => {
    const c = renderGrid([{ image: grey(0.2) }], { channels: 4, scale: 1, margin: 1 });
    expect(c.channels).toBe(4);
    expect(getPixel(c, 1, 1)).toEqual([51, 51, 51, 255]);
    expect(getPixel(c, 0, 0)).toEqual([...DEFAULT_BACKGROUND, 255]);
  });
});
