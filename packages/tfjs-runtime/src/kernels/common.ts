import * as tf from '@tensorflow/tfjs';

/** Explicit per-side padding of the two spatial axes of an NHWC tensor. */
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Kernel inputs arrive as Tensors when called through ops, but the kernel contract only
 * promises TensorInfo. Wrap a bare TensorInfo in a Tensor sharing its data (the wrapper is
 * tracked by the surrounding `tf.tidy` and released with it; the data is ref-counted).
 */
export function asTensor4D(t: tf.TensorInfo): tf.Tensor4D {
  const tensor = t instanceof tf.Tensor ? t : tf.engine().makeTensorFromTensorInfo(t);
  if (tensor.rank !== 4) throw new Error(`expected a rank-4 tensor, got shape [${tensor.shape.join(',')}]`);
  return tensor as tf.Tensor4D;
}

/**
 * How one spatial axis of a tensor must be cropped and then zero-padded so that its length
 * becomes exactly `before + size + after` where negative `before`/`after` mean "drop rows".
 */
export interface AxisFit {
  /** first row kept */
  start: number;
  /** number of rows kept (may be <= 0: nothing of the tensor is used) */
  keep: number;
  /** zero rows added before / after the kept rows */
  padBefore: number;
  padAfter: number;
}

export function fitAxis(size: number, before: number, after: number): AxisFit {
  const start = Math.max(0, -before);
  const keep = size - start - Math.max(0, -after);
  return { start, keep, padBefore: Math.max(0, before), padAfter: Math.max(0, after) };
}

/**
 * Geometry of the rows of the (padded) input a strided correlation actually reads:
 * rows `k + o·stride` for k < kernel, o < out, i.e. `(out-1)·stride + kernel` rows starting
 * at padded row 0 (input row `-padStart`).
 */
export function readWindow(inSize: number, padStart: number, outSize: number, stride: number, kernel: number): AxisFit {
  const need = (outSize - 1) * stride + kernel;
  return fitAxis(inSize, padStart, need - padStart - inSize);
}

/** Crop NHWC axes 1 and 2 to the kept rows/columns (no-op when everything is kept). */
export function cropHW(x: tf.Tensor4D, h: AxisFit, w: AxisFit): tf.Tensor4D {
  const [b, height, width, c] = x.shape;
  if (h.start === 0 && w.start === 0 && h.keep === height && w.keep === width) return x;
  return tf.slice(x, [0, h.start, w.start, 0], [b, h.keep, w.keep, c]);
}

export function explicitPads(h: AxisFit, w: AxisFit): ExplicitPadding {
  return [
    [0, 0],
    [h.padBefore, h.padAfter],
    [w.padBefore, w.padAfter],
    [0, 0],
  ];
}

export function allOnes(v: number | number[] | undefined | null): boolean {
  if (v == null) return true;
  return Array.isArray(v) ? v.every((d) => d === 1) : v === 1;
}
