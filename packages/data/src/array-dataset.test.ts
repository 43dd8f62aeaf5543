import * as tf from '@tensorflow/tfjs';
import { UserError, type SplitName } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { ArrayDataset } from './array-dataset.js';
import { randomTranslate } from './augment.js';
import { loadMnist } from './mnist/mnist-provider.js';
import { MNIST_PIXELS } from './mnist/mnist-source.js';

const range = (n: number, from = 0) => Int32Array.from({ length: n }, (_, i) => from + i);

/** Row/column extent of the ink of a 28×28 image. */
function margins(img: Float32Array): number {
  let top = 28;
  let bottom = -1;
  let left = 28;
  let right = -1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (img[y * 28 + x]! > 0) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  return Math.min(top, left, 27 - bottom, 27 - right);
}

describe('ArrayDataset on synthetic data', () => {
  const info = { name: 'toy', inputShape: [2, 2, 1], numClasses: 3, classNames: ['a', 'b', 'c'] };
  const images = Float32Array.from({ length: 6 * 4 }, (_, i) => i);
  const labels = Int32Array.of(0, 1, 2, 0, 1, 2);
  const splits: Record<SplitName, Int32Array> = {
    train: Int32Array.of(4, 0, 2),
    val: Int32Array.of(1),
    test: Int32Array.of(3, 5),
  };

  it('exposes info, split sizes and labels, and builds batches from the right samples', () => {
    const ds = new ArrayDataset({ info, images, labels }, { splits });
    expect(ds.name).toBe('toy');
    expect(ds.inputShape).toEqual([2, 2, 1]);
    const train = ds.split('train');
    expect(train.size).toBe(3);
    expect([...train.labels]).toEqual([1, 0, 2]);
    const b = train.batch(Int32Array.of(2, 0));
    expect(b.x.shape).toEqual([2, 2, 2, 1]);
    expect([...(b.x.dataSync() as Float32Array)]).toEqual([8, 9, 10, 11, 16, 17, 18, 19]);
    expect([...(b.y!.dataSync() as Int32Array)]).toEqual([2, 1]);
    expect([...(b.index!.dataSync() as Int32Array)]).toEqual([2, 0]);
    tf.dispose(b as unknown as tf.TensorContainer);
    expect(ds.split('test').size).toBe(2);
  });

  it('rejects bad inputs', () => {
    const ds = new ArrayDataset({ info, images, labels }, { splits });
    expect(() => ds.split('train').fill(Int32Array.of(3))).toThrow(RangeError);
    expect(() => ds.split('nope' as SplitName)).toThrow(UserError);
    expect(() => new ArrayDataset({ info, images: images.subarray(1), labels }, { splits })).toThrow(/pixel values/);
    expect(() => new ArrayDataset({ info, images, labels: Int32Array.of(0, 1, 2, 0, 1, 3) }, { splits })).toThrow(
      /label 3/,
    );
    expect(() => new ArrayDataset({ info, images, labels }, { splits: { ...splits, val: Int32Array.of(6) } })).toThrow(
      /outside/,
    );
  });

  it('augments train only', () => {
    const ds = new ArrayDataset({ info, images, labels }, { splits, augmentation: randomTranslate(1) });
    expect(ds.split('train').augmentation).not.toBeNull();
    expect(ds.split('val').augmentation).toBeNull();
    expect(ds.split('test').augmentation).toBeNull();
  });
});

describe('MNIST batches', () => {
  it('have shapes [B,28,28,1] float32, [B] int32 labels and [B] int32 indices', async () => {
    const ds = await loadMnist();
    for (const name of ['train', 'val', 'test'] as const) {
      const split = ds.split(name);
      const idx = Int32Array.of(0, 5, split.size - 1);
      const b = split.batch(idx);
      expect(b.x.shape).toEqual([3, 28, 28, 1]);
      expect(b.x.dtype).toBe('float32');
      expect(b.y!.shape).toEqual([3]);
      expect(b.y!.dtype).toBe('int32');
      expect(b.index!.dtype).toBe('int32');
      expect([...(b.y!.dataSync() as Int32Array)]).toEqual([...idx].map((i) => split.labels[i]));
      expect([...(b.index!.dataSync() as Int32Array)]).toEqual([...idx]);
      tf.dispose([b.x, b.y!, b.index!]);
    }
  });

  it('augment deterministically per (augmentSeed, index), preserving the digit', async () => {
    const ds = await loadMnist({ augment: true, normalize: false });
    const train = ds.split('train');
    const idx = range(16, 100);
    const plain = train.fill(idx);
    const a = train.fill(idx, { augmentSeed: 1 });
    const a2 = train.fill(idx, { augmentSeed: 1 });
    const b = train.fill(idx, { augmentSeed: 2 });
    expect(a2).toEqual(a);
    expect(b).not.toEqual(a);
    expect(a).not.toEqual(plain);
    // Per index, not per batch position: the same sample in another batch gets the same image.
    const single = train.fill(Int32Array.of(105), { augmentSeed: 1 });
    expect(single).toEqual(a.subarray(5 * MNIST_PIXELS, 6 * MNIST_PIXELS));
    // Content preserved when the digit has ≥ 2 px of empty border.
    let checked = 0;
    for (let k = 0; k < idx.length; k++) {
      const src = plain.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS);
      if (margins(src) < 2) continue;
      const sum = (x: Float32Array) => x.reduce((s, v) => s + v, 0);
      expect(sum(a.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS))).toBeCloseTo(sum(src), 3);
      checked++;
    }
    expect(checked).toBeGreaterThan(8);
    // No seed, or not the train split: no augmentation.
    expect(train.fill(idx)).toEqual(plain);
    expect(ds.split('val').fill(range(4), { augmentSeed: 1 })).toEqual(ds.split('val').fill(range(4)));
  });

  it('do not augment unless enabled in the options', async () => {
    const ds = await loadMnist({ normalize: false });
    const train = ds.split('train');
    expect(train.fill(range(8), { augmentSeed: 1 })).toEqual(train.fill(range(8)));
  });

  it('leave the tensor count flat when disposed', async () => {
    const ds = await loadMnist({ augment: true });
    const train = ds.split('train');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) {
      const b = train.batch(range(32, (i * 32) % 6900), { augmentSeed: i });
      tf.dispose([b.x, b.y!, b.index!]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
