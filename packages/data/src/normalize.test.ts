import { describe, expect, it } from 'vitest';
import { loadMnist } from './mnist/mnist-provider.js';
import { MNIST_NORMALIZATION, channelStats, normalizeInPlace } from './normalize.js';

describe('normalisation', () => {
  it('normalises per channel in place', () => {
    const d = Float32Array.from([1, 10, 3, 20]);
    normalizeInPlace(d, { mean: [1, 10], std: [2, 5] }, 2);
    expect([...d]).toEqual([0, 0, 1, 2]);
    expect(() => normalizeInPlace(d, { mean: [0], std: [1] }, 2)).toThrow(/channels/);
  });

  it('computes channel statistics', () => {
    const s = channelStats(Float32Array.from([0, 2, 2, 2]), 2);
    expect(s.mean).toEqual([1, 2]);
    expect(s.std).toEqual([1, 0]);
  });

  it('the MNIST statistics fit the bundled digits: normalised train has mean ≈ 0, std ≈ 1', async () => {
    const ds = await loadMnist();
    const train = ds.split('train');
    expect(train.normalization).toEqual(MNIST_NORMALIZATION);
    const all = Int32Array.from({ length: train.size }, (_, i) => i);
    const raw = channelStats(train.fill(all, { normalize: false }), 1);
    expect(raw.mean[0]).toBeCloseTo(0.1307, 2);
    expect(raw.std[0]).toBeCloseTo(0.3081, 2);
    const norm = channelStats(train.fill(all), 1);
    expect(Math.abs(norm.mean[0]!)).toBeLessThan(0.02);
    expect(Math.abs(norm.std[0]! - 1)).toBeLessThan(0.02);
  });

  it('can be switched off', async () => {
    const ds = await loadMnist({ normalize: false });
    const x = ds.split('val').fill(Int32Array.of(0, 1, 2));
    expect(Math.min(...x)).toBe(0);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
  });
});
