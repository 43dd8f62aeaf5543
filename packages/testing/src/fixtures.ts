import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface Arr {
  shape: number[];
  data: number[];
}

export function tensorOf(a: Arr): tf.Tensor {
  return tf.tensor(a.data, a.shape, 'float32');
}

export function loadFixture<T>(url: URL): T {
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

/** Relative error of a scalar. */
export function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
}

/** Max |a - e| / max |e| over a tensor (relative to the tensor's scale). */
export function relErrTensor(actual: tf.Tensor, expected: Arr): number {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.data.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - expected.data[i]!));
    den = Math.max(den, Math.abs(expected.data[i]!));
  }
  return num / Math.max(den, 1e-12);
}
