import { ConfigError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../fashion-mnist/fashion-mnist-provider.js';
import { loadMnist } from '../mnist/mnist-provider.js';
import { MNIST_FASHION_NORMALIZATION } from '../normalize.js';
import { loadMnistFashion, MNIST_FASHION_INFO, mnistFashionProvider } from './mnist-fashion-provider.js';

// Needs Debian's dataset-fashion-mnist (installed by .ci/run).
const small = {
  mnist: { trainSize: 200, val: 50, test: 60 },
  fashionMnist: { trainSize: 300, val: 40, test: 70 },
};

describe('mnist+fashion-mnist: MNIST digits and Fashion-MNIST items in one 20-class set', () => {
  it('has the 10 digits then the 10 Fashion-MNIST classes, each under its own dataset name, all distinct', () => {
    expect(MNIST_FASHION_INFO.classNames).toEqual([
      ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      ...['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    ]);
    expect(new Set(MNIST_FASHION_INFO.classNames).size).toBe(20);
    expect(mnistFashionProvider.id).toBe('mnist+fashion-mnist');
  });

  it('joins each part split exactly as its own dataset splits it (MNIST first, Fashion labels + 10, sources offset by 10,000)', async () => {
    const ds = await loadMnistFashion({ ...small, normalize: false });
    const mnist = await loadMnist({ ...small.mnist, normalize: false });
    const fashion = loadFashionMnist({ ...small.fashionMnist, normalize: false });
    expect(ds.name).toBe('mnist+fashion-mnist');
    expect(ds.numClasses).toBe(20);
    for (const name of ['train', 'val', 'test'] as const) {
      const s = ds.split(name);
      const m = mnist.split(name);
      const f = fashion.split(name);
      expect(s.size, name).toBe(m.size + f.size);
      expect(Array.from(s.sourceIndices)).toEqual([
        ...Array.from(m.sourceIndices),
        ...Array.from(f.sourceIndices, (i) => i + 10000),
      ]);
      expect(Array.from(s.labels)).toEqual([...Array.from(m.labels), ...Array.from(f.labels, (l) => l + 10)]);
      // the pixels are the parts' own
      const at = [0, m.size - 1, m.size, s.size - 1];
      const mine = s.fill(Int32Array.from(at));
      const theirs = [
        m.fill(Int32Array.of(0)),
        m.fill(Int32Array.of(m.size - 1)),
        f.fill(Int32Array.of(0)),
        f.fill(Int32Array.of(f.size - 1)),
      ];
      theirs.forEach((t, k) => expect(mine.subarray(k * 784, (k + 1) * 784), `${name} ${at[k]}`).toEqual(t));
    }
    const train = ds.split('train');
    const counts = new Array(20).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts.slice(0, 10).reduce((a, b) => a + b)).toBe(200);
    expect(counts.slice(10).reduce((a, b) => a + b)).toBe(300);
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it('normalises with the equal-mixture statistics by default and augments train by translation only when asked', async () => {
    expect(MNIST_FASHION_NORMALIZATION.mean[0]).toBeCloseTo((0.1307 + 0.286) / 2, 3);
    const v = 0.5 * (0.3081 ** 2 + 0.1307 ** 2) + 0.5 * (0.353 ** 2 + 0.286 ** 2) - ((0.1307 + 0.286) / 2) ** 2;
    expect(MNIST_FASHION_NORMALIZATION.std[0]).toBeCloseTo(Math.sqrt(v), 3);
    const ds = await loadMnistFashion(small);
    expect(ds.split('train').normalization).toBe(MNIST_FASHION_NORMALIZATION);
    expect(ds.split('train').augmentation).toBeNull();
    const raw = ds.split('test').fill(Int32Array.of(3), { normalize: false });
    const norm = ds.split('test').fill(Int32Array.of(3));
    expect(norm[100]).toBeCloseTo((raw[100]! - 0.2084) / 0.3403, 5);
    expect((await loadMnistFashion({ ...small, augment: true })).split('train').augmentation).not.toBeNull();
  });

  it("refuses the parts' own normalisation / augmentation / long-tail options and unknown keys, naming the field", async () => {
    await expect(loadMnistFashion({ mnist: { normalize: false } } as never)).rejects.toThrow(
      new ConfigError('data.options.mnist.normalize', "unknown option 'normalize'"),
    );
    await expect(loadMnistFashion({ fashionMnist: { trainSize: -1 } })).rejects.toThrow(
      /config field 'data\.options\.fashionMnist\.trainSize'/,
    );
    await expect(loadMnistFashion({ items: 'mnist' } as never)).rejects.toThrow(/data\.options\.items/);
  });

  it('longTail: train follows the exponential profile over the 20 classes in a seeded order, val/test unchanged; Many / Medium / Few from the counts', async () => {
    const parts = { mnist: { val: 1000, test: 2000 }, fashionMnist: { val: 5000, test: 2000 } };
    const longTail = { imbalance: 100, order: 'shuffled', groups: { many: 100, few: 20, scale: 'none' } } as const;
    const [plain, lt] = await Promise.all([loadMnistFashion(parts), loadMnistFashion({ ...parts, longTail })]);
    expect(lt.name).toBe('mnist+fashion-mnist-lt100');
    for (const name of ['val', 'test'] as const)
      expect(Array.from(lt.split(name).sourceIndices)).toEqual(Array.from(plain.split(name).sourceIndices));
    const count = (d: typeof lt) => {
      const c = new Array<number>(20).fill(0);
      for (const l of d.split('train').labels) c[l]!++;
      return c;
    };
    const available = count(plain);
    const counts = count(lt);
    const nMax = Math.min(...available);
    const ranked = [...counts].sort((a, b) => b - a);
    ranked.forEach((n, rank) => expect(n).toBe(Math.max(1, Math.floor(nMax * 100 ** (-rank / 19)))));
    // a shuffled order: digits and Fashion-MNIST classes in both head and tail
    const head = counts.map((n, k) => [n, k] as const).sort((a, b) => b[0] - a[0]);
    expect(head.slice(0, 10).some(([, k]) => k >= 10)).toBe(true);
    expect(head.slice(10).some(([, k]) => k < 10)).toBe(true);
    const groups = lt.classGroups!;
    expect(groups.names).toEqual(['many', 'medium', 'few']);
    counts.forEach((n, k) => expect(groups.ofClass[k]).toBe(n > 100 ? 0 : n < 20 ? 2 : 1));
    // this profile gives every group at least 3 classes (issue 21's VLM-KD setting)
    for (const g of [0, 1, 2]) expect(groups.ofClass.filter((x) => x === g).length).toBeGreaterThanOrEqual(3);
  });
});
