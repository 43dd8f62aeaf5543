import type { Rng } from '@kd/core';

/** Height, width and channels of one HWC image. */
export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * A training-time image transform. `apply` reads one HWC image from `src` and writes the result
 * into `dst` (same shape, never the same buffer), drawing any randomness from `rng` only, so a
 * transform is deterministic given the rng's seed. Transforms work on raw pixels (before
 * normalisation), so a zero fill is black.
 */
export interface ImageTransform {
  readonly name: string;
  apply(src: Float32Array, dst: Float32Array, shape: ImageShape, rng: Rng): void;
}

/** Copies `src` to `dst` unchanged. */
export const identity: ImageTransform = {
  name: 'identity',
  apply(src, dst) {
    dst.set(src);
  },
};

/**
 * Random translation by up to ±`maxShift` pixels in each direction, filling uncovered pixels with
 * `fill` (a "random crop with padding `maxShift`"). Draws dy then dx, each uniform in
 * [-maxShift, maxShift].
 */
export function randomTranslate(maxShift: number, fill = 0): ImageTransform {
  if (!Number.isInteger(maxShift) || maxShift < 0)
    throw new Error(`randomTranslate: maxShift must be an integer ≥ 0, got ${maxShift}`);
  return {
    name: `translate(±${maxShift})`,
    apply(src, dst, { height, width, channels }, rng) {
      const dy = rng.int(2 * maxShift + 1) - maxShift;
      const dx = rng.int(2 * maxShift + 1) - maxShift;
      translate(src, dst, height, width, channels, dy, dx, fill);
    },
  };
}

/** Writes `src` shifted by (dy, dx) pixels into `dst`; pixels shifted in from outside get `fill`. */
export function translate(
  src: Float32Array,
  dst: Float32Array,
  height: number,
  width: number,
  channels: number,
  dy: number,
  dx: number,
  fill = 0,
): void {
  dst.fill(fill, 0, height * width * channels);
  const x0 = Math.max(0, dx); // first destination column
  const x1 = Math.min(width, width + dx); // one past the last
  if (x1 <= x0) return;
  const rowLen = (x1 - x0) * channels;
  for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
    const from = ((y - dy) * width + (x0 - dx)) * channels;
    dst.set(src.subarray(from, from + rowLen), (y * width + x0) * channels);
  }
}

/** Mirrors the image left–right with probability `p` (for natural images, not digits). */
export function randomHorizontalFlip(p = 0.5): ImageTransform {
  return {
    name: `hflip(${p})`,
    apply(src, dst, { height, width, channels }, rng) {
      if (rng.next() >= p) {
        dst.set(src.subarray(0, height * width * channels));
        return;
      }
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const to = (y * width + x) * channels;
          const from = (y * width + (width - 1 - x)) * channels;
          for (let c = 0; c < channels; c++) dst[to + c] = src[from + c]!;
        }
      }
    },
  };
}

/** Applies `transforms` in order, sharing one rng (so the whole chain is deterministic per seed). */
export function compose(...transforms: ImageTransform[]): ImageTransform {
  if (transforms.length === 0) return identity;
  if (transforms.length === 1) return transforms[0]!;
  let scratch = [new Float32Array(0), new Float32Array(0)];
  return {
    name: transforms.map((t) => t.name).join(' → '),
    apply(src, dst, shape, rng) {
      const size = shape.height * shape.width * shape.channels;
      if (scratch[0]!.length < size) scratch = [new Float32Array(size), new Float32Array(size)];
      let input = src;
      transforms.forEach((t, i) => {
        const last = i === transforms.length - 1;
        const output = last ? dst : scratch[i % 2]!.subarray(0, size);
        t.apply(input, output, shape, rng);
        input = output;
      });
    },
  };
}
