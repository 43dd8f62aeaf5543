import type { Batch } from './batch.js';
import type { BatchKeySpecs } from './batch-keys.js';
import type { Facets } from './facets.js';

export type SplitName = 'train' | 'val' | 'test';

/** What models and methods may know about the data. */
export interface DataInfo {
  readonly name: string;
  /** Sample shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /**
   * Optional grouping of the classes for group-wise metrics, e.g. Many / Medium / Few shots of a
   * long-tailed training set: `ofClass[k]` is the index into `names` of class k's group.
   */
  readonly classGroups?: { readonly names: readonly string[]; readonly ofClass: readonly number[] };
  /** Text that comes with an image–text dataset (captioned images): what text towers are sized from. */
  readonly text?: DataText;
  /** The task this data is for by default (a registered task id; `classification` when unset). */
  readonly task?: string;
  /**
   * The keys its batches carry (shape without batch dim, dtype, meaning). Undefined: an image classifier's
   * `x`, `y` [] int32 and `index` (`classificationBatchKeys`).
   */
  readonly batchKeys?: BatchKeySpecs;
  /** Typed side information by facet id (`facetOf(data, BASE_NOVEL_CLASSES)`, …); see `facets.ts`. */
  readonly facets?: Facets;
}

/**
 * The text side of an image–text dataset. Its batches carry `tokens` [B, length] int32 and
 * `tokenMask` [B, length] (1 token, 0 padding), tokenised with a vocabulary of `vocabSize` ids.
 */
export interface DataText {
  readonly vocabSize: number;
  /** tokens per text */
  readonly length: number;
  /**
   * Class-name prompts for zero-shot classification ("a photo of a {class}", …): `ids` and `mask`
   * are [numClasses, prompts, length] row-major; a class's embedding is the mean over its prompts
   * (a prompt ensemble, as in CLIP and ViLD).
   */
  readonly classPrompts: { readonly prompts: number; readonly ids: Int32Array; readonly mask: Float32Array };
  /**
   * A fingerprint of the vocabulary (token ↔ id). Saved models record it, and a run refuses to load a
   * text model trained with another vocabulary: equal sizes with other ids would silently misread.
   */
  readonly vocabularyId?: string;
}

/** What a person should see of one sample (`kd data preview`): raw image, boxes, text. */
export interface SamplePreview {
  /** HWC values in [0, 1] (before normalisation) */
  readonly image: { readonly data: ArrayLike<number>; readonly shape: readonly [number, number, number] };
  /** boxes in image pixels, [x1, y1, x2, y2] */
  readonly boxes?: readonly {
    readonly box: readonly [number, number, number, number];
    readonly classId?: number;
    readonly label?: string;
  }[];
  /** text lines shown under the image (label, caption, question and answer, …) */
  readonly lines?: readonly string[];
}

/**
 * A dataset split that can produce batches by sample index. Implementations hold data in typed
 * arrays and build tensors only for the requested batch; `augment` applies training-time
 * augmentation with the given seed (deterministic per seed and index).
 */
export interface DataSplit {
  readonly size: number;
  /**
   * The class of every sample, for data with one class per sample (class counts, long-tail groups, stratified
   * splits). Undefined for data without a single label (multi-label scenes, VQA, captions).
   */
  readonly labels?: Int32Array;
  /** True when `batch` with an `augmentSeed` changes the samples (random augmentation is on). */
  readonly augments?: boolean;
  batch(indices: Int32Array, options?: { augmentSeed?: number }): Batch;
  /** The sample at split index `index` as a person should see it (optional; used by `kd data preview`). */
  preview?(index: number): SamplePreview;
}

export interface Dataset extends DataInfo {
  split(name: SplitName): DataSplit;
}

/** What a run tells a dataset besides its options. */
export interface DatasetLoadContext {
  /**
   * The folder relative file paths in the options are read against (the config file's folder);
   * undefined: the working directory. Resolve with `resolveConfigPath`.
   */
  readonly baseDir?: string;
}

/** A registered dataset kind (e.g. `mnist`). Building loads data; listing does not. */
export interface DatasetProvider {
  readonly id: string;
  readonly description: string;
  load(options: Record<string, unknown>, seed: number, context?: DatasetLoadContext): Promise<Dataset>;
}
