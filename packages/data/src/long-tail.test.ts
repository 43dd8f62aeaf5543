import { describe, expect, it } from 'vitest';
import { classGroups, longTailCounts, longTailOrder, longTailOptionsSchema, longTailSubsample } from './long-tail.js';
import { loadMnist } from './mnist/mnist-provider.js';

describe('long-tailed training sets', () => {
  it('exponential profile: n_k = ⌊n_max · ρ^(−k/(K−1))⌋, head = first in order', () => {
    const counts = longTailCounts([1000, 1200, 1000, 1100], 100, Int32Array.from([0, 1, 2, 3]));
    // n_max is the smallest available count (1000): 1000, 1000·100^(−1/3) = 215.44, 46.42, 10
    expect(Array.from(counts)).toEqual([1000, 215, 46, 10]);
    const reordered = longTailCounts([1000, 1000, 1000, 1000], 100, Int32Array.from([2, 0, 3, 1]));
    expect(Array.from(reordered)).toEqual([215, 10, 1000, 46]);
    expect(Array.from(longTailCounts([50, 50], 1, Int32Array.from([0, 1])))).toEqual([50, 50]);
  });

  it('shuffled order is a seeded permutation', () => {
    const a = longTailOrder(10, 'shuffled', 7);
    expect([...a].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(longTailOrder(10, 'shuffled', 7))).toEqual(Array.from(a));
    expect(Array.from(longTailOrder(10, 'shuffled', 8))).not.toEqual(Array.from(a));
  });

  it('keeps the first n_k of each class in the given order', () => {
    const labels = Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]);
    const train = Int32Array.from([7, 6, 5, 4, 3, 2, 1, 0]);
    const o = longTailOptionsSchema.parse({ imbalance: 4 });
    const { indices, counts } = longTailSubsample(train, labels, 2, o, 1);
    expect(Array.from(counts)).toEqual([4, 1]);
    expect(Array.from(indices)).toEqual([7, 6, 4, 2, 0]);
  });

  it('Many/Medium/Few: ImageNet-LT thresholds scaled by n_max/1280, or absolute', () => {
    const scaled = classGroups([1280, 101, 100, 20, 19], { many: 100, few: 20, scale: 'imagenet-lt' });
    expect(scaled.ofClass).toEqual([0, 0, 1, 1, 2]); // > 100 many, < 20 few, boundaries medium
    const half = classGroups([640, 51, 50, 10, 9], { many: 100, few: 20, scale: 'imagenet-lt' });
    expect([half.many, half.few]).toEqual([50, 10]);
    expect(half.ofClass).toEqual([0, 0, 1, 1, 2]);
    expect(classGroups([640, 51, 9], { many: 100, few: 20, scale: 'none' }).ofClass).toEqual([0, 1, 2]);
  });

  it('a dataset option: train becomes long-tailed, val/test stay balanced, groups are declared', async () => {
    const ds = await loadMnist({ longTail: { imbalance: 10 } });
    const counts = new Array(10).fill(0);
    for (const l of ds.split('train').labels) counts[l]++;
    expect(counts[0] / counts[9]).toBeGreaterThanOrEqual(9.5);
    expect(counts[0] / counts[9]).toBeLessThanOrEqual(10.5);
    for (let k = 1; k < 10; k++) expect(counts[k]).toBeLessThan(counts[k - 1]);
    // val keeps the class shares of the whole set (stratified), untouched by the long tail
    const all = new Array(10).fill(0);
    for (const s of ['train', 'val', 'test'] as const) for (const l of (await loadMnist()).split(s).labels) all[l]++;
    const val = new Array(10).fill(0);
    for (const l of ds.split('val').labels) val[l]++;
    val.forEach((v, k) => expect(Math.abs(v - (1000 * all[k]) / 10000)).toBeLessThanOrEqual(1));
    expect(ds.name).toBe('mnist-lt10');
    expect(ds.classGroups?.names).toEqual(['many', 'medium', 'few']);
    expect(ds.classGroups?.ofClass).toHaveLength(10);
  });

  it('rejects an imbalance below 1 naming the field', async () => {
    await expect(loadMnist({ longTail: { imbalance: 0.5 } })).rejects.toThrow(/data\.options\.longTail\.imbalance/);
  });
});
