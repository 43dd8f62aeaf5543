import { describe, expect, it } from 'vitest';
import { MNIST_STATS, normalized } from '../test/normalized.js';
import { blitImage, imageSize } from './blit.js';
import { createCanvas, getPixel } from './canvas.js';

describe('blitImage', () => {
  it('maps each source pixel to a 3×3 block at scale 3', () => {
    // 2×3 grey image with distinct values.
    const values = [0, 0.2, 0.4, 0.6, 0.8, 1];
    const c = createCanvas(12, 9, { background: [7, 7, 7] });
    const size = blitImage(c, { data: values, shape: [2, 3] }, 1, 2, { scale: 3 });
    expect(size).toEqual({ width: 9, height: 6 });
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const inside = x >= 1 && x < 10 && y >= 2 && y < 8;
        const v = inside ? Math.round(values[Math.floor((y - 2) / 3) * 3 + Math.floor((x - 1) / 3)]! * 255) : 7;
        expect(getPixel(c, x, y), `pixel ${x},${y}`).toEqual([v, v, v]);
      }
    }
  });

  it('draws RGB images channel by channel and [h, w, 1] like [h, w]', () => {
    const c = createCanvas(2, 1);
    blitImage(c, { data: [1, 0, 0, 0, 0.5, 1], shape: [1, 2, 3] }, 0, 0);
    expect(getPixel(c, 0, 0)).toEqual([255, 0, 0]);
    expect(getPixel(c, 1, 0)).toEqual([0, 128, 255]);
    blitImage(c, { data: [0.5, 1], shape: [1, 2, 1] }, 0, 0);
    expect(getPixel(c, 0, 0)).toEqual([128, 128, 128]);
  });

  it('undoes the normalisation', () => {
    const raw = [0, 0.2, 0.6, 1];
    const normed = normalized(raw, MNIST_STATS);
    expect(normed[0]).toBeLessThan(0);
    const a = createCanvas(4, 1);
    blitImage(a, { data: normed, shape: [1, 4] }, 0, 0, { normalization: MNIST_STATS });
    expect(Array.from({ length: 4 }, (_, x) => getPixel(a, x, 0)[0])).toEqual([0, 51, 153, 255]);
    const rgbNorm = { mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] };
    const rgb = normalized([0.2, 0.6, 1], rgbNorm);
    const b = createCanvas(1, 1);
    blitImage(b, { data: rgb, shape: [1, 1, 3] }, 0, 0, { normalization: rgbNorm });
    expect(getPixel(b, 0, 0)).toEqual([51, 153, 255]);
  });

  it('clamps values outside [0, 1] (and NaN to 0)', () => {
    const c = createCanvas(3, 1);
    blitImage(c, { data: [-0.5, 1.7, NaN], shape: [1, 3] }, 0, 0);
    expect([0, 1, 2].map((x) => getPixel(c, x, 0)[0])).toEqual([0, 255, 0]);
  });

  it('is clipped at the canvas border without wrapping', () => {
    const c = createCanvas(3, 3);
    blitImage(c, { data: [1, 1, 1, 1], shape: [2, 2] }, 2, -1, { scale: 2 });
    const lit = [];
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) if (getPixel(c, x, y)[0]) lit.push(`${x},${y}`);
    expect(lit).toEqual(['2,0', '2,1', '2,2']);
  });

  it('fills the alpha channel of RGBA canvases', () => {
    const c = createCanvas(1, 1, { channels: 4 });
    blitImage(c, { data: [0.2], shape: [1, 1] }, 0, 0);
    expect(getPixel(c, 0, 0)).toEqual([51, 51, 51, 255]);
  });

  it('checks shapes, scales and normalisations', () => {
    const c = createCanvas(4, 4);
    expect(imageSize({ data: new Float32Array(12), shape: [2, 2, 3] })).toEqual({ height: 2, width: 2, channels: 3 });
    expect(() => blitImage(c, { data: [0, 0, 0], shape: [2, 2] }, 0, 0)).toThrow(/needs 4 values/);
    expect(() => blitImage(c, { data: new Float32Array(8), shape: [2, 2, 2] }, 0, 0)).toThrow(/1 or 3 channels/);
    expect(() => blitImage(c, { data: [0], shape: [1, 1] }, 0, 0, { scale: 1.5 })).toThrow(RangeError);
    expect(() =>
      blitImage(c, { data: [0], shape: [1, 1] }, 0, 0, { normalization: { mean: [0, 0, 0], std: [1, 1, 1] } }),
    ).toThrow(/normalization/);
  });
});
