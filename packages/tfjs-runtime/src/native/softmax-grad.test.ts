import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerComposedKernels, unregisterComposedKernels } from '../kernels/register.js';
import { firstDifference, forEachKernelBuild } from '../test-utils.js';
import { SOFTMAX_GRAD_KERNEL, softmaxGradient } from './softmax-grad.js';

// Softmax's gradient as one kernel gives the bits of tfjs's composition (Multiply, Sum, Multiply,
// Sub) on the stock kernels, for every build of kd's kernels here, on one thread and on two.
const values = (n: number, seed: number, scale = 3) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.61 + seed) * scale * 10 ** ((i % 5) - 2));

// rows × columns: one column, a row count that is not a multiple of 4, attention's [B, heads, N, N]
// (split over threads), and rows longer than the native Sum takes (the stock Sum then)
const shapes: number[][] = [
  [5, 1],
  [7, 3],
  [3, 2, 13],
  [64, 4, 48, 48],
  [6, 300],
];

const gradient = (shape: number[]) =>
  tf.tidy(() => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(values(n, shape.length), shape);
    const w = tf.tensor(values(n, 7, 1), shape);
    return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.softmax(a), w)))(x);
  });

describe('the Softmax gradient as one kernel = tfjs composition on the stock kernels, bit for bit', () => {
  const stock = new Map<string, tf.TypedArray>();
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    unregisterComposedKernels('wasm');
    for (const shape of shapes) stock.set(JSON.stringify(shape), gradient(shape).dataSync());
    registerComposedKernels('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is registered, with the gradient that uses it', () => {
    expect(tf.getKernel(SOFTMAX_GRAD_KERNEL, 'wasm')).toBeDefined();
    expect(tf.getGradient(tf.Softmax)).toBe(softmaxGradient);
  });

  it.each(shapes.map((s) => [JSON.stringify(s)]))('shape %s', (key) => {
    const shape = JSON.parse(key) as number[];
    forEachKernelBuild((build, threads) => {
      const got = gradient(shape).dataSync();
      expect([build, threads, firstDifference(got, stock.get(key)!)]).toEqual([build, threads, -1]);
    });
  });

  it('gives the values of the softmax Jacobian (cpu backend, float64 reference)', () => {
    // d/dx_i of sum_j w_j softmax(x)_j = y_i (w_i − Σ_j w_j y_j)
    const x = [0.3, -1.2, 2.0, 0.1];
    const w = [1, -2, 0.5, 3];
    const e = x.map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    const y = e.map((v) => v / z);
    const wy = w.reduce((s, wi, i) => s + wi * y[i]!, 0);
    const want = y.map((yi, i) => yi * (w[i]! - wy));
    const got = tf.tidy(() =>
      tf
        .grad((a: tf.Tensor) => tf.sum(tf.mul(tf.softmax(a), tf.tensor1d(w))))(tf.tensor1d(x))
        .dataSync(),
    );
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(want[i]!, 6);
  });
});
