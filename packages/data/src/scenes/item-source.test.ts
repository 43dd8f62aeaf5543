import { describe, expect, it } from 'vitest';
import { itemCount, itemPixels, validateItemSource, type ItemSource } from './item-source.js';
import { loadMnistItemSource } from './mnist-item-source.js';

describe('item sources', () => {
  it('exposes MNIST as 10,000 28×28 items of classes 0–9', async () => {
    const mnist = await loadMnistItemSource();
    expect([mnist.height, mnist.width, itemCount(mnist)]).toEqual([28, 28, 10_000]);
    expect(mnist.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(itemPixels(mnist, 3)).toEqual(mnist.images.subarray(3 * 784, 4 * 784));
    expect(() => validateItemSource(mnist)).not.toThrow();
  });

  it('rejects inconsistent sources', () => {
    const ok: ItemSource = {
      name: 'toy',
      images: new Float32Array(8),
      labels: Int32Array.of(0, 1),
      height: 2,
      width: 2,
      classNames: ['a', 'b'],
    };
    expect(() => validateItemSource(ok)).not.toThrow();
    expect(() => validateItemSource({ ...ok, images: new Float32Array(7) })).toThrow(
      /toy: 7 pixel values for 2 items of 2×2/,
    );
    expect(() => validateItemSource({ ...ok, labels: Int32Array.of(0, 2) })).toThrow(/item 1 has label 2/);
    expect(() => validateItemSource({ ...ok, classNames: ['a', 'a'] })).toThrow(/not distinct/);
    expect(() => validateItemSource({ ...ok, height: 0, images: new Float32Array(0) })).toThrow(/positive integers/);
  });
});
