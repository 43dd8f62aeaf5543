import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../select-backend.js';
import { firstDifference, forEachKernelBuild } from '../test-utils.js';

// The native filter gradient of a depthwise convolution (kd_kernels.c depthwise_filter_grad) against a
// float64 reference, on every build of kd's kernels here; on the addon the same bits on 1 and 2
// threads (chunks of images, added in order).
const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * (1 + (i % 7)));

interface Case {
  x: [number, number, number, number];
  k: number;
  stride: number;
  pad: 'same' | 'valid';
}
const cases: Case[] = [
  { x: [3, 5, 5, 6], k: 3, stride: 1, pad: 'same' }, // channels not a multiple of 4
  { x: [10, 9, 9, 8], k: 3, stride: 1, pad: 'valid' }, // more images than a chunk (8)
  { x: [9, 7, 6, 5], k: 3, stride: 2, pad: 'same' }, // stride 2, uneven padding
  { x: [17, 7, 7, 12], k: 3, stride: 1, pad: 'same' }, // FFSD's fusion module, smaller
];

/** dW[kh,kw,c] = Σ x[n, ho·s − top + kh, wo·s − left + kw, c] · dy[n,ho,wo,c] in float64. */
function reference(c: Case, x: Float32Array, dy: Float32Array, out: [number, number]): Float64Array {
  const [n, h, w, ch] = c.x;
  const [ho, wo] = out;
  const padH = c.pad === 'same' ? Math.max((ho - 1) * c.stride + c.k - h, 0) : 0;
  const padW = c.pad === 'same' ? Math.max((wo - 1) * c.stride + c.k - w, 0) : 0;
  const [top, left] = [Math.floor(padH / 2), Math.floor(padW / 2)];
  const dw = new Float64Array(c.k * c.k * ch);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let kh = 0; kh < c.k; kh++)
          for (let kw = 0; kw < c.k; kw++) {
            const [r, q] = [i * c.stride - top + kh, j * c.stride - left + kw];
            if (r < 0 || r >= h || q < 0 || q >= w) continue;
            for (let a = 0; a < ch; a++)
              dw[(kh * c.k + kw) * ch + a]! +=
                x[((b * h + r) * w + q) * ch + a]! * dy[((b * ho + i) * wo + j) * ch + a]!;
          }
  return dw;
}

/** The filter's gradient of Σ depthwiseConv2d(x, f) · dy: the kernel with dy as given. */
function filterGradient(c: Case, x: Float32Array, dy: tf.Tensor4D, multiplier = 1): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const f = tf.zeros([c.k, c.k, c.x[3], multiplier]) as tf.Tensor4D;
    const g = tf.grad((filter: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(xt, filter as tf.Tensor4D, c.stride, c.pad), dy)),
    )(f);
    return g.dataSync() as Float32Array;
  });
}

describe('depthwise_filter_grad (DepthwiseConv2dNativeBackpropFilter on kd kernels)', () => {
  beforeAll(async () => {
    await selectBackend({ backend: 'wasm' });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases.map((c) => [JSON.stringify(c), c]))('%s: float64 values, the same bits on 1 and 2 threads', (_, c) => {
    const x = values(
      c.x.reduce((a, b) => a * b, 1),
      1,
    );
    const outShape = tf.tidy(
      () =>
        tf.depthwiseConv2d(
          tf.zeros(c.x) as tf.Tensor4D,
          tf.zeros([c.k, c.k, c.x[3], 1]) as tf.Tensor4D,
          c.stride,
          c.pad,
        ).shape,
    );
    const dyValues = values(
      outShape.reduce((a, b) => a * b, 1),
      2,
    );
    const dy = tf.tensor4d(dyValues, outShape as [number, number, number, number]);
    const want = reference(c, x, dyValues, [outShape[1]!, outShape[2]!]);
    const scale = Math.max(...want.map(Math.abs));
    const oneThread = new Map<string, Float32Array>();
    forEachKernelBuild((build, threads) => {
      const got = filterGradient(c, x, dy);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
      expect([build, threads, worst < 2e-6]).toEqual([build, threads, true]);
      if (threads === 1) oneThread.set(build, got);
      else expect([build, firstDifference(got, oneThread.get(build)!)]).toEqual([build, -1]);
    });
    dy.dispose();
  });

  it('a channel multiplier above 1 takes the composed path: the cpu backend’s values', async () => {
    const c: Case = { x: [2, 5, 5, 3], k: 3, stride: 1, pad: 'same' };
    const x = values(2 * 5 * 5 * 3, 3);
    const dyValues = values(2 * 5 * 5 * 6, 4);
    const on = async (backend: string) => {
      await tf.setBackend(backend);
      const dy = tf.tensor4d(dyValues, [2, 5, 5, 6]);
      const g = filterGradient(c, x, dy, 2);
      dy.dispose();
      return g;
    };
    const cpu = await on('cpu');
    const wasm = await on('wasm');
    expect(wasm.length).toBe(3 * 3 * 3 * 2);
    for (let i = 0; i < cpu.length; i++) expect(wasm[i]).toBeCloseTo(cpu[i]!, 3);
  });
});
