import { readFileSync } from 'node:fs';
import { UserError } from '@kd/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A decoded image: RGBA bytes, row-major. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

/** Decodes a PNG or JPEG file (by content, not extension); a one-line UserError naming the file otherwise. */
export function decodeImageFile(path: string): RgbaImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read image ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
      const png = PNG.sync.read(bytes);
      return {
        width: png.width,
        height: png.height,
        data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length),
      };
    }
    if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new UserError(`cannot decode image ${path}: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
  throw new UserError(`cannot decode image ${path}: not a PNG or JPEG file`);
}

/**
 * Resizes (bilinear, pixel centres aligned as PyTorch's `align_corners=False`) into `out` as
 * floats in [0, 1], HWC with 1 (luma, ITU-R BT.601 weights) or 3 (RGB) channels. Alpha is
 * composited over black.
 */
export function resizeToFloat(img: RgbaImage, height: number, width: number, channels: 1 | 3, out: Float32Array): void {
  const sy = img.height / height;
  const sx = img.width / width;
  const px = (x: number, y: number, c: number) => {
    const o = (y * img.width + x) * 4;
    return (img.data[o + c]! * img.data[o + 3]!) / (255 * 255);
  };
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      const rgb = [0, 1, 2].map(
        (c) =>
          (1 - wy) * ((1 - wx) * px(x0, y0, c) + wx * px(x1, y0, c)) +
          wy * ((1 - wx) * px(x0, y1, c) + wx * px(x1, y1, c)),
      );
      const o = (y * width + x) * channels;
      if (channels === 1) out[o] = 0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!;
      else {
        out[o] = rgb[0]!;
        out[o + 1] = rgb[1]!;
        out[o + 2] = rgb[2]!;
      }
    }
  }
}
