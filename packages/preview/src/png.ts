import { PNG } from 'pngjs';
import type { Canvas } from './canvas.js';

/** `canvas` as an 8-bit PNG file: colour type 2 (RGB) or 6 (RGBA) after its channel count. */
export function encodePng(canvas: Canvas): Buffer {
  const rgba = canvas.channels === 4;
  const png = new PNG({ width: canvas.width, height: canvas.height });
  png.data = Buffer.from(canvas.data.buffer, canvas.data.byteOffset, canvas.data.byteLength);
  const colorType = rgba ? 6 : 2;
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: rgba, bitDepth: 8 });
}

/** A PNG file as a canvas: RGBA when the file has alpha, RGB otherwise (grey and palettes expanded). */
export function decodePng(file: Buffer): Canvas {
  const png = PNG.sync.read(file);
  const rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  if (png.alpha) return { width: png.width, height: png.height, channels: 4, data: Uint8Array.from(rgba) };
  const data = new Uint8Array(png.width * png.height * 3);
  for (let i = 0, o = 0; o < data.length; i += 4, o += 3) {
    data[o] = rgba[i]!;
    data[o + 1] = rgba[i + 1]!;
    data[o + 2] = rgba[i + 2]!;
  }
  return { width: png.width, height: png.height, channels: 3, data };
}
