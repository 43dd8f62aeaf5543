import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerComposedKernels } from '../kernels/register.js';
import { HEAD_CONTEXT_KERNEL, HEAD_SCORES_KERNEL, headContext, headScores } from './heads-matmul.js';
import { firstDifference, forEachKernelBuild } from '../test-utils.js';
import { nativeKernelsFor } from './module.js';

// The products of attention heads where they lie give the bits of the transposes and BatchMatMul
// they replace — values and gradients of a whole attention (scores, softmax, context) — for every
// build of kd's kernels here (the addon's OpenBLAS and FMA own-GEMM builds multiply strided heads),
// on 1 and 2 threads.
const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.53 + seed) * 10 ** ((i % 4) - 2));

const perm = [0, 2, 1, 3];

/** softmax(q_h k_hᵀ) v_h for q [B, N, H, D], k and v [B, M, H, D]; `heads`: by the two kernels. */
function attention(shape: { B: number; N: number; M: number; H: number; D: number }, heads: boolean) {
  const { B, N, M, H, D } = shape;
  return tf.tidy(() => {
    const q = tf.tensor4d(values(B * N * H * D, 1), [B, N, H, D]);
    const k = tf.tensor4d(values(B * M * H * D, 2), [B, M, H, D]);
    const v = tf.tensor4d(values(B * M * H * D, 3), [B, M, H, D]);
    const w = tf.tensor4d(values(B * N * H * D, 4), [B, N, H, D]);
    const f = (qq: tf.Tensor4D, kk: tf.Tensor4D, vv: tf.Tensor4D) => {
      if (heads) return headContext(tf.softmax(headScores(qq, kk)) as tf.Tensor4D, vv);
      const probs = tf.softmax(tf.matMul(tf.transpose(qq, perm), tf.transpose(kk, perm), false, true));
      return tf.transpose(tf.matMul(probs, tf.transpose(vv, perm)), perm);
    };
    const y = f(q, k, v);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D), w)),
    )([q, k, v]);
    return [y, ...grads].map((t) => t.dataSync());
  });
}

const shapes = [
  { B: 2, N: 5, M: 5, H: 3, D: 4 },
  { B: 1, N: 3, M: 7, H: 2, D: 1 }, // keys ≠ queries, one dimension per head
  { B: 4, N: 48, M: 48, H: 4, D: 32 }, // the bench transformer's heads (threads)
  { B: 1, N: 7, M: 300, H: 2, D: 20 }, // 300 keys: the context's products over two blocks of 256; 20 = 16 + a tail
];

describe('attention heads multiplied where they lie = transposes + BatchMatMul, bit for bit', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('registers the two kernels on wasm', () => {
    expect(tf.getKernel(HEAD_SCORES_KERNEL, 'wasm')).toBeDefined();
    expect(tf.getKernel(HEAD_CONTEXT_KERNEL, 'wasm')).toBeDefined();
  });

  it.each(shapes.map((s) => [JSON.stringify(s)]))('values and gradients, %s', (key) => {
    const shape = JSON.parse(key) as (typeof shapes)[number];
    forEachKernelBuild((build, threads) => {
      // the OpenBLAS builds and the FMA build's own GEMM multiply the heads in place; the others compose
      expect([build, nativeKernelsFor(tf.backend())?.heads_matmul !== undefined]).toEqual([
        build,
        build.endsWith('-openblas') || build === 'native-fma-own',
      ]);
      const want = attention(shape, false);
      const got = attention(shape, true);
      got.forEach((g, i) => expect([build, threads, i, firstDifference(g, want[i]!)]).toEqual([build, threads, i, -1]));
    });
  });

  it('refuses operands whose batch, heads or dims differ', () => {
    const q = tf.zeros([2, 5, 3, 4]) as tf.Tensor4D;
    expect(() => headScores(q, tf.zeros([2, 5, 2, 4]) as tf.Tensor4D)).toThrow(/do not match/);
    expect(() => headScores(q, tf.zeros([2, 5, 3, 8]) as tf.Tensor4D)).toThrow(/do not match/);
    expect(() => headContext(tf.zeros([2, 3, 5, 6]) as tf.Tensor4D, tf.zeros([2, 5, 3, 4]) as tf.Tensor4D)).toThrow(
      /6 keys in p, 5 in v/,
    );
  });

  it('the ops are the transposes and matMul where the kernels are not registered (cpu)', async () => {
    await tf.setBackend('cpu');
    try {
      expect(tf.getKernel(HEAD_SCORES_KERNEL, 'cpu')).toBeUndefined();
      const want = attention(shapes[0]!, false);
      const got = attention(shapes[0]!, true);
      got.forEach((g, i) => expect([i, firstDifference(g, want[i]!)]).toEqual([i, -1]));
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
