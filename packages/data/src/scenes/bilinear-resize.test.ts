import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { bilinearResize } from './bilinear-resize.js';

describe('bilinearResize', () => {
  it('matches tf.image.resizeBilinear with half-pixel centres, up and down', async () => {
    const rng = new Rng(2);
    const src = Float32Array.from({ length: 28 * 28 }, () => rng.next());
    for (const [h, w] of [
      [16, 16],
      [32, 32],
      [28, 28],
      [13, 40],
      [1, 1],
    ] as const) {
      const ours = new Float32Array(h * w);
      bilinearResize(src, 28, 28, ours, h, w);
      const theirs = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(src, [28, 28, 1]), [h, w], false, true));
      const expected = await theirs.data();
      theirs.dispose();
      for (let i = 0; i < h * w; i++) expect(ours[i]!).toBeCloseTo(expected[i]!, 5);
    }
  });

  it('is the identity at the same size and keeps constants', () => {
    const src = Float32Array.of(1, 2, 3, 4, 5, 6);
    const same = new Float32Array(6);
    bilinearResize(src, 2, 3, same, 2, 3);
    expect(Array.from(same)).toEqual([1, 2, 3, 4, 5, 6]);
    const flat = new Float32Array(35);
    bilinearResize(new Float32Array(6).fill(0.25), 2, 3, flat, 5, 7);
    expect(flat.every((v) => v === 0.25)).toBe(true);
  });

  it('rejects buffers that are too small', () => {
    expect(() => bilinearResize(new Float32Array(3), 2, 2, new Float32Array(4), 2, 2)).toThrow(/source has 3 values/);
    expect(() => bilinearResize(new Float32Array(4), 2, 2, new Float32Array(3), 2, 2)).toThrow(
      /destination has 3 values/,
    );
  });
});
