import type { PixelNormalization } from './pixel-normalization.js';
import { canvasRect, intersectRect, type Canvas, type Rect } from './canvas.js';

/** A float image: row-major HWC values in [0, 1] (or normalised), grey ([h, w] or [h, w, 1]) or RGB ([h, w, 3]). */
export interface FloatImage {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [height: number, width: number] | readonly [height: number, width: number, channels: number];
}

export interface BlitOptions {
  /** Integer magnification (nearest neighbour): each source pixel becomes a `scale` × `scale` block. Default 1. */
  readonly scale?: number;
  /** The normalisation `data` carries, undone (`x * std + mean`) before drawing; none when omitted or null. */
  readonly normalization?: PixelNormalization | null;
  /** Only pixels inside this rectangle (and the canvas) are written. */
  readonly clip?: Rect;
}

/** Height, width and channel count of `image`, checked against its data length. */
export function imageSize(image: FloatImage): { height: number; width: number; channels: number } {
  const [height, width, channels = 1] = image.shape;
  for (const n of [height, width, channels]) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`bad image shape [${image.shape.join(', ')}]`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`images must have 1 or 3 channels, got ${channels}`);
  if (image.data.length !== height * width * channels) {
    throw new RangeError(
      `image shape [${image.shape.join(', ')}] needs ${height * width * channels} values, got ${image.data.length}`,
    );
  }
  return { height, width, channels };
}

/**
 * Draws `image` with its top-left corner at (x, y) (whole pixels), magnified `scale` times by
 * nearest neighbour. Values are clamped to [0, 1] (after undoing the normalisation) and mapped to
 * bytes by `round(v * 255)`; grey images are drawn as equal R, G and B. Clipped to the canvas.
 * Returns the drawn size (before clipping).
 */
export function blitImage(
  canvas: Canvas,
  image: FloatImage,
  x: number,
  y: number,
  options: BlitOptions = {},
): { width: number; height: number } {
  const { height, width, channels } = imageSize(image);
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`blit scale must be a positive integer, got ${scale}`);
  if (!Number.isInteger(x) || !Number.isInteger(y))
    throw new RangeError(`blit position must be whole pixels, got (${x}, ${y})`);
  const norm = options.normalization ?? null;
  if (norm && (norm.mean.length !== channels || norm.std.length !== channels)) {
    throw new RangeError(
      `normalization has ${norm.mean.length} means and ${norm.std.length} stds for ${channels} channels`,
    );
  }
  const out = { width: width * scale, height: height * scale };
  const clip = intersectRect(options.clip ?? canvasRect(canvas), canvasRect(canvas));
  const r = intersectRect({ x, y, ...out }, clip);
  const { data, channels: cc } = canvas;
  const toByte = (v: number, c: number): number => {
    const u = norm ? v * norm.std[c]! + norm.mean[c]! : v;
    return Number.isNaN(u) ? 0 : Math.round(Math.min(1, Math.max(0, u)) * 255);
  };
  for (let py = r.y; py < r.y + r.height; py++) {
    const sy = Math.floor((py - y) / scale);
    let o = (py * canvas.width + r.x) * cc;
    for (let px = r.x; px < r.x + r.width; px++, o += cc) {
      const s = (sy * width + Math.floor((px - x) / scale)) * channels;
      if (channels === 1) {
        const v = toByte(image.data[s]!, 0);
        data[o] = v;
        data[o + 1] = v;
        data[o + 2] = v;
      } else {
        data[o] = toByte(image.data[s]!, 0);
        data[o + 1] = toByte(image.data[s + 1]!, 1);
        data[o + 2] = toByte(image.data[s + 2]!, 2);
      }
      if (cc === 4) data[o + 3] = 255;
    }
  }
  return out;
}
