import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MNIST_PIXELS, loadMnistArrays, mnistDigitsDir, readMnistDigits } from './mnist-source.js';

describe('MNIST source', () => {
  it('decodes all 10,000 digits well under 3 s', async () => {
    const t0 = performance.now();
    const { count } = await readMnistDigits();
    const ms = performance.now() - t0;
    expect(count).toBe(10_000);
    expect(ms).toBeLessThan(3000);
  });

  it('holds 10,000 28×28 images in [0, 1] with labels 0–9, every class present', async () => {
    const { images, labels, count } = await loadMnistArrays();
    expect(count).toBe(10_000);
    expect(images.length).toBe(10_000 * 28 * 28);
    expect(labels.length).toBe(10_000);
    let min = Infinity;
    let max = -Infinity;
    for (const v of images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const counts = new Array<number>(10).fill(0);
    for (const l of labels) counts[l]!++;
    expect(counts.every((c) => c > 800)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    // Every image has some ink.
    for (let i = 0; i < count; i += 97) {
      let ink = 0;
      for (let p = 0; p < MNIST_PIXELS; p++) ink += images[i * MNIST_PIXELS + p]!;
      expect(ink).toBeGreaterThan(10);
    }
  });

  it('caches the decoded arrays within the process', async () => {
    const a = await loadMnistArrays();
    const t0 = performance.now();
    const b = await loadMnistArrays();
    expect(b).toBe(a);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('agrees with the raw files read by an independent path (JSON.parse)', async () => {
    const { images, labels } = await loadMnistArrays();
    const dir = mnistDigitsDir();
    let offset = 0; // first global index of each class
    for (let d = 0; d < 10; d++) {
      const raw = (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
      const n = raw.length / MNIST_PIXELS;
      for (const k of [0, 1, Math.floor(n / 2), n - 1]) {
        const g = offset + k;
        expect(labels[g]).toBe(d);
        for (const p of [0, 200, 350, 406, 500, 783]) {
          expect(images[g * MNIST_PIXELS + p]).toBe(Math.fround(raw[k * MNIST_PIXELS + p]!));
        }
        // Whole-image checksum.
        let a = 0;
        let b = 0;
        for (let p = 0; p < MNIST_PIXELS; p++) {
          a += images[g * MNIST_PIXELS + p]!;
          b += raw[k * MNIST_PIXELS + p]!;
        }
        expect(a).toBeCloseTo(b, 3);
      }
      offset += n;
    }
    expect(offset).toBe(10_000);
  });
});
