import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerComposedKernels } from '../kernels/register.js';
import { firstDifference, forEachKernelBuild } from '../test-utils.js';

// tf.fused.matMul on kd's kernels = matMul, then add, then relu on kd's kernels, bit for bit —
// values, and the gradients of a, b and the bias — for every build here, on one and two threads.
const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 2 * 10 ** ((i % 5) - 2));

interface Case {
  readonly name: string;
  readonly a: number[];
  readonly b: number[];
  readonly bias: number[] | null;
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
  readonly activation?: 'linear' | 'relu';
  /** forward only (tfjs's own gradient of a batch-broadcast matMul has the wrong shape for b) */
  readonly noGradient?: boolean;
}

const cases: Case[] = [
  { name: 'a Linear layer [768, 128] · [128, 128] + [128] (threads)', a: [768, 128], b: [128, 128], bias: [128] },
  { name: 'a bias [1, 7]', a: [5, 9], b: [9, 7], bias: [1, 7] },
  { name: 'no bias', a: [5, 9], b: [9, 7], bias: null },
  { name: 'ReLU', a: [33, 16], b: [16, 40], bias: [40], activation: 'relu' },
  { name: 'transposed operands', a: [9, 5], b: [7, 9], bias: [7], transposeA: true, transposeB: true },
  { name: 'a batch broadcast [2, 6, 4] · [4, 3]', a: [2, 6, 4], b: [4, 3], bias: [3], noGradient: true },
];

const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

function run(c: Case, fused: boolean): tf.TypedArray[] {
  return tf.tidy(() => {
    const a = tf.tensor(values(size(c.a), 1), c.a);
    const b = tf.tensor(values(size(c.b), 2), c.b);
    const bias = c.bias ? tf.tensor(values(size(c.bias), 3), c.bias) : undefined;
    const { transposeA = false, transposeB = false, activation = 'linear' } = c;
    const f = (x: tf.Tensor, w: tf.Tensor, v?: tf.Tensor) => {
      if (fused) return tf.fused.matMul({ a: x, b: w, bias: v, transposeA, transposeB, activation });
      let y = tf.matMul(x, w, transposeA, transposeB);
      if (v) y = tf.add(y, v);
      return activation === 'relu' ? tf.relu(y) : y;
    };
    const y = f(a, b, bias);
    const dy = tf.tensor(values(size(y.shape), 4), y.shape);
    // ReLU under a gradient tape is not fused by tfjs (it calls the unfused ops), so only linear here
    const grads =
      activation === 'linear' && !c.noGradient
        ? tf.grads((x: tf.Tensor, w: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(f(x, w, v), dy)))(
            bias ? [a, b, bias] : [a, b, tf.zeros([1])],
          )
        : [];
    return [y, ...(bias || activation !== 'linear' ? grads : grads.slice(0, 2))].map((t) => t.dataSync());
  });
}

describe('_FusedMatMul on kd kernels = matMul + add + relu, bit for bit', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases.map((c) => [c.name]))('%s', (name) => {
    const c = cases.find((x) => x.name === name)!;
    forEachKernelBuild((build, threads) => {
      const want = run(c, false);
      const got = run(c, true);
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expect([build, threads, i, firstDifference(g, want[i]!)]).toEqual([build, threads, i, -1]));
    });
  });

  it('leaves other activations to the stock kernel (values as the unfused ops, within rounding)', () => {
    const a = tf.tensor(values(20, 5), [4, 5]);
    const b = tf.tensor(values(15, 6), [5, 3]);
    const bias = tf.tensor(values(3, 7), [3]);
    const got = tf.fused.matMul({ a, b, bias, activation: 'elu' }).dataSync();
    const want = tf.elu(tf.add(tf.matMul(a, b), bias)).dataSync();
    for (let i = 0; i < want.length; i++)
      expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6 * (1 + Math.abs(want[i]!)));
  });
});
