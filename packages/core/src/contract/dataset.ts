import type { Batch } from './batch.js';

export type SplitName = 'train' | 'val' | 'test';

/** What models and methods may know about the data. */
export interface DataInfo {
  readonly name: string;
  /** Sample shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly classNames: readonly string[];
}

/**
 * A dataset split that can produce batches by sample index. Implementations hold data in typed
 * arrays and build tensors only for the requested batch; `augment` applies training-time
 * augmentation with the given seed (deterministic per seed and index).
 */
export interface DataSplit {
  readonly size: number;
  /** Labels of every sample (for class counts, long-tail groups, per-class metrics). */
  readonly labels: Int32Array;
  /** True when `batch` with an `augmentSeed` changes the samples (random augmentation is on). */
  readonly augments?: boolean;
  batch(indices: Int32Array, options?: { augmentSeed?: number }): Batch;
}

export interface Dataset extends DataInfo {
  split(name: SplitName): DataSplit;
}

/** A registered dataset kind (e.g. `mnist`). Building loads data; listing does not. */
export interface DatasetProvider {
  readonly id: string;
  readonly description: string;
  load(options: Record<string, unknown>, seed: number): Promise<Dataset>;
}
