/**
 * Shared setup of the ViLD detector tests (region-detector's text classifier, distillation and ensemble;
 * crop-classifier-detector): class-embeddings files in a temp folder, a small region-detector, tiny
 * batches of two 16×16 single-channel images with their proposals, and the wasm backend.
 */
import * as tf from '@tensorflow/tfjs';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { BASE_NOVEL_CLASSES, facetEntry, facets, type Batch, type DataInfo } from '@kd/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectures } from '../src/architectures/index.js';
import type { RegionDetector } from '../src/region-detector.js';

/** The tests' image shape, NHWC without the batch: 16×16, one channel. */
export const VILD_INPUT_SHAPE = [16, 16, 1];
/** The number of classes of the region-detector tests. */
export const VILD_CLASSES = 3;
/** The size of {@link VILD_EMBEDDINGS}' rows. */
export const VILD_DIM = 5;
/** One text embedding per class, unnormalised on purpose (the classifier normalises them). */
export const VILD_EMBEDDINGS = [
  [1, 0, 0, 2, 0],
  [0, 3, 0, 0, 1],
  [0, 0, -1, 1, 1],
];
/** A small region-detector's options: 3 regions, a 2×2 pool, 8 hidden units. */
export const SMALL_REGION_DETECTOR = { width: 4, regions: 3, pool: 2, hidden: 8 };

/**
 * The wasm backend with the composed kernels registered: what every test here runs on (call in `beforeAll`).
 * Loaded here, not on import, so a test that only takes a batch from this module keeps its backend.
 */
export async function useWasmBackend(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  registerComposedKernels('wasm');
}

/** A fresh temp folder (`kd-<name>-…`) for a test's files; remove it with {@link removeDir}. */
export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `kd-${name}-`));
}

/** Removes a folder made by {@link tempDir}. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes `content` as JSON to `dir/name`; returns `name` (what options read against `baseDir` take). */
export function writeJson(dir: string, name: string, content: unknown): string {
  writeFileSync(join(dir, name), JSON.stringify(content));
  return name;
}

/** Writes a class-embeddings file (`classes`, `dim` from the first row, `embeddings`, `source`) to `dir/name`; returns `name`. */
export function writeClassEmbeddings(
  dir: string,
  classes: readonly string[],
  embeddings: readonly (readonly number[])[] = VILD_EMBEDDINGS,
  { name = 'emb.json', source = {} }: { name?: string; source?: Record<string, unknown> } = {},
): string {
  return writeJson(dir, name, { classes, dim: embeddings[0]!.length, embeddings, source });
}

/** A toy scenes dataset of the given classes split into base and novel (BASE_NOVEL_CLASSES): `novel`, the others base. */
export function toyScenesData(classNames: readonly string[], novel: readonly number[]): DataInfo {
  const base = classNames.map((_, k) => k).filter((k) => !novel.includes(k));
  return {
    name: 'toy-scenes',
    inputShape: VILD_INPUT_SHAPE,
    numClasses: classNames.length,
    classNames,
    facets: facets(facetEntry(BASE_NOVEL_CLASSES, { base, novel: [...novel] })),
  };
}

/** region-detector of {@link VILD_CLASSES} classes at seed 4 on 16×16×1, its files read against `baseDir`. */
export function buildRegionDetector(
  baseDir: string,
  options: Record<string, unknown>,
  data?: DataInfo,
): RegionDetector {
  const arch = architectures.find((a) => a.id === 'region-detector')!;
  return arch.build({
    inputShape: VILD_INPUT_SHAPE,
    numClasses: VILD_CLASSES,
    seed: 4,
    ...(data ? { data } : {}),
    baseDir,
    options,
  }) as RegionDetector;
}

/** A region-detector test's temp folder holding `emb.json` and its builder; see {@link textClassifierSetup}. */
export interface TextClassifierSetup {
  /** The temp folder. */
  readonly dir: string;
  /** region-detector ({@link buildRegionDetector}): {@link SMALL_REGION_DETECTOR}, the text classifier on `emb.json`, the setup's `base`, then `options` over them. */
  build(options: Record<string, unknown>): RegionDetector;
  /** Removes the temp folder. */
  remove(): void;
}

/**
 * A temp folder `kd-<name>-…` with `emb.json`, {@link VILD_EMBEDDINGS} for `classes`, and a builder of
 * region-detectors whose text classifier (`options.classifier`) reads it, built with `data` when given.
 */
export function textClassifierSetup(
  name: string,
  classes: readonly string[],
  { base = {}, data }: { base?: Record<string, unknown>; data?: DataInfo } = {},
): TextClassifierSetup {
  const dir = tempDir(name);
  const common = { ...SMALL_REGION_DETECTOR, classifier: { embeddings: writeClassEmbeddings(dir, classes) }, ...base };
  return {
    dir,
    build: (options) => buildRegionDetector(dir, { ...common, ...options }, data),
    remove: () => removeDir(dir),
  };
}

/** Two uniform 16×16×1 images. */
function images(seed = 3): tf.Tensor4D {
  return tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', seed);
}

/** A [images, n, 4] tensor of boxes: one argument per image, its n boxes' x1, y1, x2, y2 in a row (zeros: a padded slot). */
function boxes(...perImage: number[][]): tf.Tensor3D {
  return tf.tensor3d(perImage.flat(), [perImage.length, perImage[0]!.length / 4, 4]);
}

/** `n` zeros (padded box slots). */
const zeros = (n: number): number[] => new Array<number>(n).fill(0);

/** A [images, n] 0/1 mask: one argument per image. */
function mask(...perImage: number[][]): tf.Tensor2D {
  return tf.tensor2d(perImage.flat(), [perImage.length, perImage[0]!.length]);
}

/** Two 16×16 images with 3 real proposals each. */
export function regionBatch(): Batch {
  return {
    x: images(),
    proposals: boxes([0, 0, 8, 8, 4, 4, 16, 12, 2, 2, 6, 14], [1, 1, 9, 9, 0, 0, 16, 16, 3, 5, 12, 10]),
    proposalMask: tf.ones([2, 3]),
  };
}

/** {@link regionBatch} with a second source `biased` of 4 slots: real ones 0, 1, 3 of image 0 and 0 of image 1. */
export function distillBatch(): Batch {
  return {
    ...regionBatch(),
    biasedProposals: boxes([1, 2, 9, 12, 8, 0, 16, 16, 0, 0, 0, 0, 5, 5, 6, 6], [3, 3, 7, 6, ...zeros(12)]),
    biasedProposalMask: mask([1, 1, 0, 1], [1, 0, 0, 0]),
  };
}

/**
 * Two 16×16 images (uniform, `seed`) with 4 proposal slots: image 0 four real proposals, image 1 one real
 * and three padded (zero boxes).
 */
export function paddedProposalBatch(seed = 3): Batch {
  return {
    x: images(seed),
    proposals: boxes([0, 0, 8, 8, 4, 4, 16, 12, 2, 2, 6, 14, 0, 0, 16, 16], [1, 1, 9, 9, ...zeros(12)]),
    proposalMask: mask([1, 1, 1, 1], [1, 0, 0, 0]),
  };
}

/** The largest absolute difference of two tensors of one shape. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}
