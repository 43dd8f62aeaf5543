import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createCanvas } from './canvas.js';
import { renderGrid } from './grid.js';
import { decodePng, encodePng } from './png.js';

describe('PNG encoding', () => {
  it('round-trips an RGB grid pixel for pixel', () => {
    const image = { data: Float32Array.from({ length: 28 * 28 }, (_, i) => (i % 29) / 28), shape: [28, 28] as const };
    const canvas = renderGrid(
      [
        {
          image,
          boxes: [{ x: 3, y: 4, width: 10, height: 8, classId: 5 }],
          lines: ['label 3', { text: 'pred 5', colour: [255, 0, 0] }],
        },
        { image },
      ],
      { title: 'round trip' },
    );
    const file = encodePng(canvas);
    expect([...file.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const back = decodePng(file);
    expect(back.width).toBe(canvas.width);
    expect(back.height).toBe(canvas.height);
    expect(back.channels).toBe(3);
    expect(Buffer.from(back.data).equals(Buffer.from(canvas.data))).toBe(true);
  });

  it('round-trips RGBA with its alpha', () => {
    const canvas = createCanvas(7, 5, { channels: 4 });
    for (let i = 0; i < canvas.data.length; i++) canvas.data[i] = (i * 37) % 256;
    const back = decodePng(encodePng(canvas));
    expect(back.channels).toBe(4);
    expect([...back.data]).toEqual([...canvas.data]);
  });

  it('writes an RGB (colour type 2) file of the canvas size', () => {
    const png = PNG.sync.read(encodePng(createCanvas(3, 2, { background: [1, 2, 3] })));
    expect([png.width, png.height, png.colorType, png.alpha]).toEqual([3, 2, 2, false]);
    expect([...png.data.subarray(0, 4)]).toEqual([1, 2, 3, 255]);
  });

  it('decodes grey files as RGB', () => {
    const png = new PNG({ width: 2, height: 1 });
    png.data = Buffer.from([10, 10, 10, 255, 200, 200, 200, 255]);
    const grey = PNG.sync.write(png, { colorType: 0 });
    const c = decodePng(grey);
    expect(c.channels).toBe(3);
    expect([...c.data]).toEqual([10, 10, 10, 200, 200, 200]);
  });
});
