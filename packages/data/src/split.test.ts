import { ConfigError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { loadMnistArrays } from './mnist/mnist-source.js';
import { DEFAULT_SPLIT_SEED, resolveCount, splitIndices } from './split.js';

function classCounts(labels: Int32Array, idx: Int32Array): number[] {
  const c = new Array<number>(10).fill(0);
  for (const i of idx) c[labels[i]!]!++;
  return c;
}

const equal = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

describe('splitIndices', () => {
  it('makes disjoint 7000/1000/2000 splits covering all 10,000 MNIST digits by default sizes', async () => {
    const { labels } = await loadMnistArrays();
    const s = splitIndices(labels, { val: 1000, test: 2000, seed: DEFAULT_SPLIT_SEED });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([7000, 1000, 2000]);
    const seen = new Uint8Array(labels.length);
    for (const part of [s.train, s.val, s.test]) for (const i of part) seen[i]!++;
    expect(seen.every((v) => v === 1)).toBe(true);
  });

  it('is stratified: each split keeps class proportions', async () => {
    const { labels } = await loadMnistArrays();
    const all = classCounts(labels, Int32Array.from(labels.keys()));
    const s = splitIndices(labels, { val: 1000, test: 2000, seed: 1 });
    const val = classCounts(labels, s.val);
    const test = classCounts(labels, s.test);
    for (let k = 0; k < 10; k++) {
      expect(Math.abs(val[k]! - all[k]! / 10)).toBeLessThanOrEqual(1);
      expect(Math.abs(test[k]! - all[k]! / 5)).toBeLessThanOrEqual(1.5);
    }
  });

  it('is deterministic in the seed; different seeds give different splits', async () => {
    const { labels } = await loadMnistArrays();
    const a = splitIndices(labels, { val: 1000, test: 2000, seed: 7 });
    const b = splitIndices(labels, { val: 1000, test: 2000, seed: 7 });
    const c = splitIndices(labels, { val: 1000, test: 2000, seed: 8 });
    expect(equal(a.train, b.train) && equal(a.val, b.val) && equal(a.test, b.test)).toBe(true);
    expect(equal(a.val, c.val)).toBe(false);
    expect(equal(a.test, c.test)).toBe(false);
    const inA = new Set(a.test);
    const overlap = [...c.test].filter((i) => inA.has(i)).length;
    expect(overlap).toBeLessThan(1000); // not just a reordering
  });

  it('shuffles within each split (not grouped by class)', async () => {
    const { labels } = await loadMnistArrays();
    const s = splitIndices(labels, { val: 1000, test: 2000, seed: 3 });
    const first = classCounts(labels, s.val.subarray(0, 100));
    expect(first.filter((c) => c > 0).length).toBeGreaterThanOrEqual(8);
  });

  it('accepts fractions and subsamples train with trainSize (stratified, inside the full train set)', async () => {
    const { labels } = await loadMnistArrays();
    const full = splitIndices(labels, { val: 0.1, test: 0.2, seed: 5 });
    expect([full.train.length, full.val.length, full.test.length]).toEqual([7000, 1000, 2000]);
    const small = splitIndices(labels, { val: 0.1, test: 0.2, trainSize: 500, seed: 5 });
    expect(small.train.length).toBe(500);
    expect(equal(small.val, full.val) && equal(small.test, full.test)).toBe(true);
    const fullTrain = new Set(full.train);
    expect([...small.train].every((i) => fullTrain.has(i))).toBe(true);
    expect(classCounts(labels, small.train).every((c) => c >= 40 && c <= 60)).toBe(true);
    expect(splitIndices(labels, { val: 0.1, test: 0.2, trainSize: 0.5, seed: 5 }).train.length).toBe(3500);
  });

  it('supports a non-stratified seeded random split', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => i % 3);
    const s = splitIndices(labels, { val: 10, test: 20, seed: 1, stratified: false });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([70, 10, 20]);
    expect(new Set([...s.train, ...s.val, ...s.test]).size).toBe(100);
  });

  it('rejects impossible sizes with ConfigErrors naming the option', () => {
    const labels = new Int32Array(100);
    expect(() => splitIndices(labels, { val: 60, test: 40, seed: 0 })).toThrow(ConfigError);
    expect(() => splitIndices(labels, { val: 10, test: 10, trainSize: 81, seed: 0 })).toThrow(
      /data\.options\.trainSize/,
    );
    expect(() => resolveCount(2.5, 100, 'val')).toThrow(/data\.options\.val/);
    expect(() => resolveCount(-1, 100, 'test')).toThrow(ConfigError);
    expect(resolveCount(0.25, 100, 'val')).toBe(25);
    expect(resolveCount(0, 100, 'val')).toBe(0);
  });
});
