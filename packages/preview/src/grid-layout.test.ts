import { describe, expect, it } from 'vitest';
import { FONT } from './font.js';
import { CAPTION_GAP, autoScale, layoutGrid } from './grid-layout.js';
import type { PreviewTile } from './tile.js';

const digit = (lines?: PreviewTile['lines']): PreviewTile => ({
  image: { data: new Float32Array(28 * 28), shape: [28, 28] },
  lines,
});

describe('layoutGrid', () => {
  it('sizes a known layout: 5 MNIST digits, a title and captions', () => {
    const tiles = [
      digit(['label 7']),
      digit(['a', 'b']),
      digit(['a long caption that wraps across lines']),
      digit(),
      digit(),
    ];
    const g = layoutGrid(tiles, { title: 'MNIST train' });
    expect(g).toMatchObject({ columns: 3, rows: 2, scale: 4, cellWidth: 112, imageHeight: 112, margin: 8, gap: 8 });
    expect(g.title).toEqual(['MNIST train']);
    expect(g.titleHeight).toBe(FONT.lineHeight);
    expect(g.tiles[2]!.caption.map((l) => l.text)).toEqual(['a long caption', 'that wraps across', 'lines']);
    expect(g.captionHeights).toEqual([3 * FONT.lineHeight, 0]);
    // width: 8 + 3·112 + 2·8 + 8; height: 8 + (9 + 8) + (112 + 3 + 27) + 8 + 112 + 8
    expect(g.width).toBe(368);
    expect(g.height).toBe(295);
    expect(CAPTION_GAP).toBe(3);
    expect(g.tiles[0]).toMatchObject({
      x: 8,
      y: 25,
      imageX: 8,
      imageY: 25,
      imageWidth: 112,
      imageHeight: 112,
      captionY: 140,
    });
    expect(g.tiles[4]).toMatchObject({ x: 128, y: 175, imageX: 128, imageY: 175 });
  });

  it('without title or captions it is images, gaps and margins only', () => {
    const g = layoutGrid([digit(), digit()], { columns: 1, scale: 1, margin: 2, gap: 5 });
    expect(g).toMatchObject({
      columns: 1,
      rows: 2,
      width: 32,
      height: 2 + 28 + 5 + 28 + 2,
      titleHeight: 0,
      captionHeights: [0, 0],
    });
    expect(g.tiles.map((t) => t.y)).toEqual([2, 35]);
  });

  it('never has more columns than tiles, and wraps the title to the content width', () => {
    const g = layoutGrid([digit()], { columns: 4, scale: 3, title: 'a fairly long title here' });
    expect(g.columns).toBe(1);
    expect(g.width).toBe(84 + 16);
    expect(g.title).toEqual(['a fairly long', 'title here']);
    expect(g.titleHeight).toBe(2 * FONT.lineHeight);
  });

  it('centres smaller images in the cell and scales text', () => {
    const small: PreviewTile = { image: { data: new Float32Array(14 * 10 * 3), shape: [14, 10, 3] }, lines: ['hi'] };
    const g = layoutGrid([digit(), small], { scale: 2, textScale: 2 });
    expect(g.cellWidth).toBe(56);
    expect(g.tiles[1]).toMatchObject({
      x: 8 + 56 + 8,
      imageX: 72 + 18,
      imageY: 8 + 14,
      imageWidth: 20,
      imageHeight: 28,
    });
    expect(g.captionHeights).toEqual([2 * FONT.lineHeight]);
  });

  it('picks the scale from the largest side and rejects bad input', () => {
    expect(autoScale(28)).toBe(4);
    expect(autoScale(32)).toBe(3);
    expect(autoScale(224)).toBe(1);
    expect(() => layoutGrid([])).toThrow(/at least one tile/);
    expect(() => layoutGrid([digit()], { scale: 0 })).toThrow(RangeError);
    expect(() => layoutGrid([digit()], { margin: -1 })).toThrow(RangeError);
  });
});
