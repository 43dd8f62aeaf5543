/**
 * The crop teacher's crops against torchvision (fixture written by tools/golden/region_crops.py):
 * boxes enlarged about their centres by a context factor and clipped to the image, then cropped and
 * resized by roi_align(aligned=True, spatial_scale=1) on the image itself, for three factor / size /
 * sampling cases (including boxes on the image border and a zero-padded proposal).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { enlargeBoxes, regionCrops } from './region-crops.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface Golden {
  images: Arr;
  boxes: Arr;
  cases: { factor: number; size: [number, number]; sampling: number; enlarged: number[]; crops: Arr }[];
}

const golden = JSON.parse(
  readFileSync(new URL('../test/fixtures/region-crops.golden.json', import.meta.url), 'utf8'),
) as Golden;
const tensorOf = (a: Arr) => tf.tensor(a.data, a.shape, 'float32');
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('regionCrops: context-enlarged RoIAlign crops of the image (torchvision roi_align golden)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it.each(golden.cases)(
    'factor $factor, size $size, sampling $sampling',
    ({ factor, size, sampling, enlarged, crops }) => {
      tf.tidy(() => {
        const images = tensorOf(golden.images) as tf.Tensor4D;
        const boxes = tensorOf(golden.boxes) as tf.Tensor3D;
        const [, h, w] = images.shape;
        const e = enlargeBoxes(tf.reshape(boxes, [-1, 4]) as tf.Tensor2D, factor, [h, w]);
        expect(maxAbs(e.dataSync(), enlarged)).toBeLessThan(1e-5);
        const got = regionCrops(images, boxes, { size, factor, sampling });
        expect(got.shape).toEqual(crops.shape);
        expect(maxAbs(got.dataSync(), crops.data)).toBeLessThan(1e-5);
      });
    },
  );

  it('gives the image itself for a whole-image box at the image size (factor 1, one sample)', () => {
    tf.tidy(() => {
      const images = tensorOf(golden.images) as tf.Tensor4D;
      const [b, h, w] = images.shape;
      const whole = tf.tile(tf.tensor3d([[[0, 0, w, h]]]), [b, 1, 1]) as tf.Tensor3D;
      const got = regionCrops(images, whole, { size: [h, w], factor: 1, sampling: 1 });
      expect(maxAbs(got.dataSync(), images.dataSync())).toBeLessThan(1e-5);
    });
  });

  it('rejects boxes that do not match the images, and a non-positive factor', () => {
    tf.tidy(() => {
      const images = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
      expect(() =>
        regionCrops(images, tf.zeros([1, 3, 4]) as tf.Tensor3D, { size: [2, 2], factor: 1, sampling: 1 }),
      ).toThrow(/boxes must be \[2, R, 4\]/);
      expect(() =>
        regionCrops(images, tf.zeros([2, 3, 4]) as tf.Tensor3D, { size: [2, 2], factor: 0, sampling: 1 }),
      ).toThrow(/factor must be positive/);
    });
  });
});
