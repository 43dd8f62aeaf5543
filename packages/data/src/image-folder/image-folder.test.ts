import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@kd/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImageFile, resizeToFloat } from './decode-image.js';
import { loadImageFolder, scanImageFolder } from './image-folder-provider.js';

function png(width: number, height: number, rgba: (x: number, y: number) => [number, number, number, number]): Buffer {
  const img = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) img.data.set(rgba(x, y), (y * width + x) * 4);
  return PNG.sync.write(img);
}

/** root/<class>/*.png with `perClass` images each: class k is a flat grey of value 40·(k+1). */
function folder(classes: string[], perClass: number): string {
  const root = mkdtempSync(join(tmpdir(), 'kd-imgfolder-'));
  classes.forEach((name, k) => {
    mkdirSync(join(root, name));
    for (let i = 0; i < perClass; i++)
      writeFileSync(
        join(root, name, `${String(i).padStart(3, '0')}.png`),
        png(6, 4, () => [40 * (k + 1), 40 * (k + 1), 40 * (k + 1), 255]),
      );
  });
  return root;
}

describe('image folders', () => {
  it('decodes PNG and JPEG by content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-img-'));
    writeFileSync(
      join(dir, 'a.png'),
      png(3, 2, (x, y) => [x * 100, y * 200, 7, 255]),
    );
    const p = decodeImageFile(join(dir, 'a.png'));
    expect([p.width, p.height]).toEqual([3, 2]);
    expect(Array.from(p.data.subarray(4 * 4, 4 * 5))).toEqual([100, 200, 7, 255]); // (x=1, y=1)
    const rgba = new Uint8Array(8 * 8 * 4).fill(200);
    writeFileSync(join(dir, 'b.jpg'), jpeg.encode({ data: rgba, width: 8, height: 8 }, 95).data);
    const j = decodeImageFile(join(dir, 'b.jpg'));
    expect([j.width, j.height]).toEqual([8, 8]);
    expect(Math.abs(j.data[0]! - 200)).toBeLessThanOrEqual(3);
    writeFileSync(join(dir, 'c.png'), 'not an image');
    expect(() => decodeImageFile(join(dir, 'c.png'))).toThrow(
      new RegExp(`cannot decode image ${join(dir, 'c.png')}: not a PNG or JPEG file`),
    );
    writeFileSync(join(dir, 'd.png'), png(3, 2, () => [0, 0, 0, 255]).subarray(0, 30));
    expect(() => decodeImageFile(join(dir, 'd.png'))).toThrow(UserError);
  });

  it('resizes bilinearly with aligned pixel centres, to grey or RGB', () => {
    // a 2×1 image black | white, resized to 4×1: centres at 0.125, 0.375, 0.625, 0.875 of the width
    const img = { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 255, 255, 255, 255, 255]) };
    const out = new Float32Array(4);
    resizeToFloat(img, 1, 4, 1, out);
    expect(Array.from(out).map((v) => +v.toFixed(4))).toEqual([0, 0.25, 0.75, 1]);
    const rgb = new Float32Array(3);
    resizeToFloat({ width: 1, height: 1, data: Uint8Array.from([255, 0, 51, 255]) }, 1, 1, 3, rgb);
    expect(Array.from(rgb).map((v) => +v.toFixed(4))).toEqual([1, 0, 0.2]);
    const grey = new Float32Array(1);
    resizeToFloat({ width: 1, height: 1, data: Uint8Array.from([255, 0, 0, 255]) }, 1, 1, 1, grey);
    expect(grey[0]).toBeCloseTo(0.299, 5);
  });

  it('loads classes from sub-folders (sorted), resizes, and splits stratified', () => {
    const root = folder(['cat', 'ant', 'bee'], 10);
    const ds = loadImageFolder({ root, size: [5, 7], channels: 1, val: 0.2, test: 0.2, normalize: false });
    expect(ds.classNames).toEqual(['ant', 'bee', 'cat']);
    expect(ds.inputShape).toEqual([5, 7, 1]);
    expect([ds.split('train').size, ds.split('val').size, ds.split('test').size]).toEqual([18, 6, 6]);
    const test = ds.split('test');
    const batch = test.fill(Int32Array.from([0]));
    const label = test.labels[0]!;
    // the flat grey of the class folder (ant → 40·2 because 'ant' was created second)
    const expected = { ant: 80, bee: 120, cat: 40 }[ds.classNames[label] as 'ant' | 'bee' | 'cat'] / 255;
    expect(batch[0]).toBeCloseTo(expected, 5);
  });

  it('one-line errors for a missing root, a flat folder and an empty class', () => {
    expect(() => scanImageFolder('/nonexistent/kd')).toThrow(
      'image folder /nonexistent/kd does not exist or is not a folder',
    );
    const flat = mkdtempSync(join(tmpdir(), 'kd-flat-'));
    writeFileSync(
      join(flat, 'x.png'),
      png(2, 2, () => [0, 0, 0, 255]),
    );
    expect(() => scanImageFolder(flat)).toThrow(/must hold one sub-folder per class \(found 0\)/);
    const root = folder(['a', 'b'], 2);
    mkdirSync(join(root, 'c'));
    expect(() => scanImageFolder(root)).toThrow(`class folder ${join(root, 'c')} holds no .png/.jpg/.jpeg images`);
  });
});
