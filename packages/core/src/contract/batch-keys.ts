import type { DataInfo } from './dataset.js';

export type BatchDType = 'float32' | 'int32';

/** One key a dataset's batches carry: its shape without the batch dim (-1: sized at run time), dtype and meaning. */
export interface BatchKeySpec {
  readonly shape: readonly number[];
  readonly dtype: BatchDType;
  readonly description: string;
}

/** The keys of a dataset's batches, by name (data, not a comment table). */
export type BatchKeySpecs = Readonly<Record<string, BatchKeySpec>>;

/**
 * A batch key a method, task or architecture reads. `dtype` and `shape` (without batch dim; -1 matches any
 * size, `rank` only the number of dims) are checked when given: a classification task asks for `y` int32 [],
 * so multi-hot labels [K] are refused before anything trains.
 */
export interface BatchKeyRequest {
  readonly key: string;
  readonly dtype?: BatchDType;
  readonly shape?: readonly number[];
  readonly rank?: number;
  /** What the key is used for (shown when it is missing). */
  readonly why?: string;
}

/**
 * The batch keys of a dataset that declares none: an image classifier's `x` [inputShape] float32,
 * `y` [] int32 (one class per sample) and `index` [] int32.
 */
export function classificationBatchKeys(data: Pick<DataInfo, 'inputShape'>): BatchKeySpecs {
  return {
    x: { shape: data.inputShape, dtype: 'float32', description: 'images, NHWC' },
    y: { shape: [], dtype: 'int32', description: 'class of each sample' },
    index: { shape: [], dtype: 'int32', description: 'dataset index of each sample' },
  };
}

/** The batch keys of `data`: its declaration, else the classification default. */
export function batchKeysOf(data: Pick<DataInfo, 'inputShape' | 'batchKeys'>): BatchKeySpecs {
  return data.batchKeys ?? classificationBatchKeys(data);
}

/** `undefined` when `spec` satisfies `request`, else what the request wants (e.g. "int32 []"). */
export function batchKeyMismatch(request: BatchKeyRequest, spec: BatchKeySpec): string | undefined {
  const wanted: string[] = [];
  let ok = true;
  if (request.dtype !== undefined) {
    wanted.push(request.dtype);
    if (request.dtype !== spec.dtype) ok = false;
  }
  if (request.shape !== undefined) {
    wanted.push(`[${request.shape.join(', ')}]`);
    const same =
      request.shape.length === spec.shape.length &&
      request.shape.every((d, i) => d === -1 || spec.shape[i] === -1 || d === spec.shape[i]);
    if (!same) ok = false;
  } else if (request.rank !== undefined) {
    wanted.push(`rank ${request.rank}`);
    if (spec.shape.length !== request.rank) ok = false;
  }
  return ok ? undefined : wanted.join(' ');
}
