import * as tf from '@tensorflow/tfjs';

/**
 * Up to this many rows, the native sums (sum_rows, sum_middle: chunks of 256 rows) add the rows of
 * a column one after another — the order of the stock wasm Sum and Mean, so the same bits. Longer
 * columns are summed chunk by chunk, which rounds differently.
 */
export const IN_ORDER_ROWS = 256;

/**
 * A reduction over contiguous axes that leave the last axis alone, as [outer, rows, cols] with the
 * `rows` reduced: x of shape [..outer, ..rows, ..cols] → [..outer, ..cols] (ones in place of the
 * reduced axes with keepDims). Bias gradients (leading axes: outer 1) and global average pools
 * (H, W of NHWC) have this form; the stock wasm kernels transpose such input before reducing.
 * Undefined for any other reduction.
 */
export interface MiddleReduction {
  outer: number;
  rows: number;
  cols: number;
  outShape: number[];
}

export function middleReduction(
  shape: readonly number[],
  axis: number | number[],
  keepDims: boolean,
): MiddleReduction | undefined {
  const rank = shape.length;
  const axes = sortedAxes(shape, axis);
  if (axes.length === 0 || axes[axes.length - 1]! >= rank - 1) return undefined;
  if (!axes.every((ax, i) => ax === axes[0]! + i)) return undefined;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  const outShape = keepDims
    ? shape.map((d, i) => (i >= first && i <= last ? 1 : d))
    : shape.filter((_, i) => i < first || i > last);
  return {
    outer: product(shape.slice(0, first)),
    rows: product(shape.slice(first, last + 1)),
    cols: product(shape.slice(last + 1)),
    outShape,
  };
}

/**
 * A reduction over the trailing axes, as [rows, cols] with each row reduced: x of shape
 * [..rows, ..cols] → [..rows] (ones in place of the reduced axes with keepDims) — a channel mean
 * of NHWC, a row's sum. The stock wasm kernels reduce such input without a transpose, one chain of
 * additions per row, in order. Undefined for any other reduction.
 */
export interface LastReduction {
  rows: number;
  cols: number;
  outShape: number[];
}

export function lastReduction(
  shape: readonly number[],
  axis: number | number[],
  keepDims: boolean,
): LastReduction | undefined {
  const rank = shape.length;
  const axes = sortedAxes(shape, axis);
  if (axes.length === 0 || !axes.every((ax, i) => ax === rank - axes.length + i)) return undefined;
  const first = axes[0]!;
  return {
    rows: product(shape.slice(0, first)),
    cols: product(shape.slice(first)),
    outShape: keepDims ? shape.map((d, i) => (i >= first ? 1 : d)) : shape.slice(0, first),
  };
}

/** The reduced axes, each once, ascending (negative ones counted from the end). */
function sortedAxes(shape: readonly number[], axis: number | number[]): number[] {
  return [...new Set(tf.util.parseAxisParam(axis, [...shape]))].sort((p, q) => p - q);
}

const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);
