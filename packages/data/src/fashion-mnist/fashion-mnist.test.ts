import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { UserError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DEFAULT_DIR, FASHION_MNIST_FILES } from './fashion-mnist-files.js';
import { loadFashionMnist } from './fashion-mnist-provider.js';
import { FASHION_MNIST_CLASSES, loadFashionMnistArrays } from './fashion-mnist-source.js';

// Needs Debian's dataset-fashion-mnist (installed by .ci/run).
const files = Object.values(FASHION_MNIST_FILES).map((f) => `${f.name}.gz`);

describe('Fashion-MNIST from IDX files', () => {
  it('loads all 70,000 images in [0, 1] with the official class balance', () => {
    const a = loadFashionMnistArrays();
    expect(a.trainCount).toBe(60000);
    expect(a.testCount).toBe(10000);
    expect(a.images.length).toBe(70000 * 784);
    let min = 1;
    let max = 0;
    for (let i = 0; i < a.images.length; i += 97) {
      min = Math.min(min, a.images[i]!);
      max = Math.max(max, a.images[i]!);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const counts = new Array(10).fill(0);
    for (const l of a.labels.subarray(0, 60000)) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(6000));
    // the first training image is an ankle boot (label 9), as in the official files
    expect(FASHION_MNIST_CLASSES[a.labels[0]!]).toBe('Ankle boot');
  });

  it('splits val from the official train set and tests on the official test set, balanced', () => {
    const ds = loadFashionMnist({ val: 5000 });
    expect([ds.split('train').size, ds.split('val').size, ds.split('test').size]).toEqual([55000, 5000, 10000]);
    const valCounts = new Array(10).fill(0);
    for (const l of ds.split('val').labels) valCounts[l]++;
    expect(valCounts).toEqual(new Array(10).fill(500));
    const test = ds.split('test');
    expect(Math.min(...test.sourceIndices)).toBe(60000); // only official test images
    const train = ds.split('train');
    expect(Math.max(...train.sourceIndices)).toBeLessThan(60000);
    expect(new Set([...train.sourceIndices, ...ds.split('val').sourceIndices]).size).toBe(60000);
    expect(loadFashionMnist({ test: 0.2 }).split('test').size).toBe(2000);
  });

  it('reads plain (un-gzipped) copies too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-fmnist-'));
    for (const f of files)
      writeFileSync(join(dir, f.replace(/\.gz$/, '')), gunzipSync(readFileSync(join(FASHION_MNIST_DEFAULT_DIR, f))));
    const a = loadFashionMnistArrays(dir);
    expect(a.labels.length).toBe(70000);
  });

  it('a missing file: one line naming it and what to install or pass', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-fmnist-'));
    for (const f of files.slice(0, 3)) copyFileSync(join(FASHION_MNIST_DEFAULT_DIR, f), join(dir, f));
    const load = () => loadFashionMnistArrays(dir);
    expect(load).toThrow(UserError);
    expect(load).toThrow(
      `missing Fashion-MNIST file ${join(dir, 't10k-labels-idx1-ubyte.gz')} (or t10k-labels-idx1-ubyte): install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass data.options.dir`,
    );
  });

  it('a corrupt file: the checksum names it (and verify: false still checks the shape)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-fmnist-'));
    for (const f of files)
      writeFileSync(join(dir, f.replace(/\.gz$/, '')), gunzipSync(readFileSync(join(FASHION_MNIST_DEFAULT_DIR, f))));
    const path = join(dir, 'train-labels-idx1-ubyte');
    const bytes = readFileSync(path);
    bytes[100] = (bytes[100]! + 1) % 10; // one label changed
    writeFileSync(path, bytes);
    expect(() => loadFashionMnistArrays(dir)).toThrow(new RegExp(`${path} is corrupt or not Fashion-MNIST`));
    expect(loadFashionMnistArrays(dir, false).labels.length).toBe(70000);
    const dir2 = mkdtempSync(join(tmpdir(), 'kd-fmnist-')); // loads are cached per folder
    for (const f of files) copyFileSync(join(FASHION_MNIST_DEFAULT_DIR, f), join(dir2, f));
    writeFileSync(join(dir2, 'train-labels-idx1-ubyte.gz'), gzipSync(bytes.subarray(0, 1000)));
    expect(() => loadFashionMnistArrays(dir2, false)).toThrow(/promises 60000 = 60000 values but the file holds 992/);
  });

  it('unknown options are config errors naming the field', () => {
    expect(() => loadFashionMnist({ colour: true } as never)).toThrow(
      "config field 'data.options.colour': unknown option 'colour'",
    );
  });
});
