import * as tf from '@tensorflow/tfjs';
import {
  Rng,
  UserError,
  deriveSeed,
  type Batch,
  type DataInfo,
  type DataSplit,
  type Dataset,
  type SamplePreview,
  type SplitName,
} from '@kd/core';
import type { ImageShape, ImageTransform } from './augment.js';
import { normalizeInPlace, type Normalization } from './normalize.js';
import type { SplitIndices } from './split.js';

/** Samples held in memory: raw images [N, ...inputShape] (HWC) and labels [N]. */
export interface ArraySource {
  readonly info: DataInfo;
  /** Row-major [N, H, W, C] raw values (e.g. in [0, 1]); never modified. */
  readonly images: Float32Array;
  /** [N] class ids in [0, numClasses). */
  readonly labels: Int32Array;
}

export interface ArrayDatasetOptions {
  /** Source indices of each split (see `splitIndices`). */
  readonly splits: SplitIndices;
  /** Applied to every batch of every split, after augmentation. */
  readonly normalization?: Normalization | null;
  /** Applied to train batches only, and only when `batch()` gets an `augmentSeed`. */
  readonly augmentation?: ImageTransform | null;
}

export interface BatchOptions {
  /** Seeds training augmentation; the image at split index i gets rng `deriveSeed(augmentSeed, 'augment', i)`. */
  readonly augmentSeed?: number;
}

/** The rng that augments the sample at split index `index` for `augmentSeed`. */
export function augmentRng(augmentSeed: number, index: number): Rng {
  return new Rng(deriveSeed(augmentSeed, 'augment', index));
}

/** One split of an `ArrayDataset`: a view of the source arrays through `sourceIndices`. */
export class ArraySplit implements DataSplit {
  readonly size: number;
  readonly labels: Int32Array;
  private readonly shape: ImageShape;
  private readonly sampleSize: number;

  get augments(): boolean {
    return this.augmentation !== null;
  }

  constructor(
    readonly name: SplitName,
    private readonly source: ArraySource,
    /** Index into the source arrays of each sample of this split. */
    readonly sourceIndices: Int32Array,
    readonly normalization: Normalization | null,
    /** The train augmentation (null for val/test or when disabled). */
    readonly augmentation: ImageTransform | null,
  ) {
    const [height, width, channels] = source.info.inputShape;
    this.shape = { height: height!, width: width!, channels: channels! };
    this.sampleSize = height! * width! * channels!;
    this.size = sourceIndices.length;
    this.labels = sourceIndices.map((i) => source.labels[i]!);
  }

  /**
   * Raw (un-normalised) pixels of the given split indices, augmented when `augmentSeed` is given
   * and this split augments, then normalised when `normalize`. No tensors are created.
   */
  fill(indices: Int32Array, options: BatchOptions & { normalize?: boolean } = {}): Float32Array {
    const { images } = this.source;
    const sz = this.sampleSize;
    const out = new Float32Array(indices.length * sz);
    const augment = options.augmentSeed !== undefined ? this.augmentation : null;
    for (let b = 0; b < indices.length; b++) {
      const i = indices[b]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.size) {
        throw new RangeError(`${this.name} split: index ${i} out of range [0, ${this.size})`);
      }
      const from = this.sourceIndices[i]! * sz;
      const src = images.subarray(from, from + sz);
      if (augment)
        augment.apply(src, out.subarray(b * sz, (b + 1) * sz), this.shape, augmentRng(options.augmentSeed!, i));
      else out.set(src, b * sz);
    }
    if (this.normalization && options.normalize !== false)
      normalizeInPlace(out, this.normalization, this.shape.channels);
    return out;
  }

  /** The raw (un-normalised, un-augmented) image and the class name of split index `index`. */
  preview(index: number): SamplePreview {
    const { height, width, channels } = this.shape;
    const label = this.labels[index]!;
    return {
      image: { data: this.fill(Int32Array.of(index), { normalize: false }), shape: [height, width, channels] },
      lines: [`${label}: ${this.source.info.classNames[label] ?? label}`],
    };
  }

  /** A batch `{x: float32 [B, H, W, C], y: int32 [B], index: int32 [B]}` (index = split indices). */
  batch(indices: Int32Array, options: BatchOptions = {}): Batch {
    const x = this.fill(indices, options);
    const y = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) y[b] = this.labels[indices[b]!]!;
    const { height, width, channels } = this.shape;
    return {
      x: tf.tensor4d(x, [indices.length, height, width, channels], 'float32'),
      y: tf.tensor1d(y, 'int32'),
      index: tf.tensor1d(Int32Array.from(indices), 'int32'),
    };
  }
}

/**
 * A classification dataset held in typed arrays, with train/val/test splits given by source
 * indices. MNIST uses it; any dataset that can decode into [N, H, W, C] floats and labels can too.
 */
export class ArrayDataset implements Dataset {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly classGroups?: DataInfo['classGroups'];
  private readonly splits: Record<SplitName, ArraySplit>;

  constructor(source: ArraySource, options: ArrayDatasetOptions) {
    const { info, images, labels } = source;
    if (info.inputShape.length !== 3)
      throw new Error(`${info.name}: inputShape must be [H, W, C], got [${info.inputShape.join(', ')}]`);
    const sampleSize = info.inputShape.reduce((a, b) => a * b, 1);
    if (images.length !== labels.length * sampleSize) {
      throw new Error(`${info.name}: ${images.length} pixel values for ${labels.length} samples of size ${sampleSize}`);
    }
    for (const l of labels) {
      if (l < 0 || l >= info.numClasses) throw new Error(`${info.name}: label ${l} outside [0, ${info.numClasses})`);
    }
    this.name = info.name;
    this.inputShape = [...info.inputShape];
    this.numClasses = info.numClasses;
    this.classNames = [...info.classNames];
    if (info.classGroups) this.classGroups = info.classGroups;
    const norm = options.normalization ?? null;
    const make = (name: SplitName) => {
      const idx = options.splits[name];
      for (const i of idx) {
        if (i < 0 || i >= labels.length)
          throw new Error(`${info.name}: ${name} split index ${i} outside [0, ${labels.length})`);
      }
      return new ArraySplit(name, source, idx, norm, name === 'train' ? (options.augmentation ?? null) : null);
    };
    this.splits = { train: make('train'), val: make('val'), test: make('test') };
  }

  split(name: SplitName): ArraySplit {
    const s = (this.splits as Partial<Record<string, ArraySplit>>)[name];
    if (!s) throw new UserError(`dataset '${this.name}' has no split '${name}' (has: train, val, test)`);
    return s;
  }
}
