import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@kd/core';
import { parseIdx, readMaybeGzip } from '../idx/read-idx.js';

/** Where Debian's `dataset-fashion-mnist` package installs the IDX files. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_INSTALL_HINT =
  "install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass data.options.dir";

/** The four files, with the SHA-256 of their *decompressed* bytes (so plain and .gz copies both verify). */
export const FASHION_MNIST_FILES = {
  trainImages: {
    name: 'train-images-idx3-ubyte',
    sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    dims: [60000, 28, 28],
  },
  trainLabels: {
    name: 'train-labels-idx1-ubyte',
    sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    dims: [60000],
  },
  testImages: {
    name: 't10k-images-idx3-ubyte',
    sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    dims: [10000, 28, 28],
  },
  testLabels: {
    name: 't10k-labels-idx1-ubyte',
    sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
    dims: [10000],
  },
} as const;

export type FashionMnistFile = keyof typeof FASHION_MNIST_FILES;

/** `dir/<name>.gz` if present, else `dir/<name>`; a one-line error naming both when neither exists. */
export function locateIdx(dir: string, name: string): string {
  for (const candidate of [join(dir, `${name}.gz`), join(dir, name)]) if (existsSync(candidate)) return candidate;
  throw new UserError(
    `missing Fashion-MNIST file ${join(dir, `${name}.gz`)} (or ${name}): ${FASHION_MNIST_INSTALL_HINT}`,
  );
}

/**
 * Reads, checks (SHA-256 of the decompressed bytes, unless `verify` is false; dimensions always)
 * and decodes one of the four files.
 */
export function readFashionMnistFile(dir: string, file: FashionMnistFile, verify = true): Uint8Array {
  const spec = FASHION_MNIST_FILES[file];
  const path = locateIdx(dir, spec.name);
  const bytes = readMaybeGzip(path);
  if (verify) {
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== spec.sha256) {
      throw new UserError(
        `${path} is corrupt or not Fashion-MNIST (SHA-256 of its contents ${digest.slice(0, 12)}…, expected ${spec.sha256.slice(0, 12)}…): ${FASHION_MNIST_INSTALL_HINT}`,
      );
    }
  }
  const idx = parseIdx(bytes, path);
  if (idx.dims.length !== spec.dims.length || idx.dims.some((d, i) => d !== spec.dims[i])) {
    throw new UserError(`${path} has shape ${idx.dims.join('×')}, expected ${spec.dims.join('×')}`);
  }
  return idx.data;
}
