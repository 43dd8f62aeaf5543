import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { LAYER_NORM_KERNEL, registerComposedKernels } from '@kd/tfjs-runtime';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerNorm } from './layer-norm.js';

const g = JSON.parse(readFileSync(new URL('../../test/fixtures/layer-norm.json', import.meta.url), 'utf8')) as Record<
  'x' | 'gamma' | 'beta' | 'w' | 'y' | 'dx' | 'dgamma' | 'dbeta',
  number[]
> & { shape: number[]; eps: number };

const maxAbs = (a: ArrayLike<number>, e: readonly number[]) => Math.max(...e.map((v, i) => Math.abs(a[i]! - v)));

/** The textbook composite (autodiff through moments). */
function composite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, [x.rank - 1], true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
}

// cpu: composed closed form; wasm: the native kernels of @kd/tfjs-runtime
describe.each(['cpu', 'wasm'])('layerNorm (one node, closed-form backward) on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    if (backend === 'wasm') registerComposedKernels('wasm');
  });

  it('takes the path expected for the backend', () => {
    expect(tf.getBackend()).toBe(backend);
    expect(tf.getKernel(LAYER_NORM_KERNEL, backend) != null).toBe(backend === 'wasm');
  });

  it('matches PyTorch F.layer_norm in value and in every gradient (tools/golden/layer_norm.py)', () => {
    const x = tf.tensor(g.x, g.shape);
    const gamma = tf.tensor1d(g.gamma);
    const beta = tf.tensor1d(g.beta);
    const w = tf.tensor(g.w, g.shape);
    expect(maxAbs(layerNorm(x, gamma, beta, g.eps).dataSync(), g.y)).toBeLessThan(2e-6);
    const [dx, dgamma, dbeta] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(layerNorm(a, b, c, g.eps), w)),
    )([x, gamma, beta]);
    expect(maxAbs(dx!.dataSync(), g.dx)).toBeLessThan(2e-5);
    expect(maxAbs(dgamma!.dataSync(), g.dgamma)).toBeLessThan(2e-5);
    expect(maxAbs(dbeta!.dataSync(), g.dbeta)).toBeLessThan(2e-5);
    tf.dispose([x, gamma, beta, w, dx!, dgamma!, dbeta!]);
  });

  it('equals autodiff of the composite on a rank-2 input with 128 features', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([6, 128], 1, 2, 'float32', 4);
      const gamma = tf.randomNormal([128], 1, 0.3, 'float32', 5);
      const beta = tf.randomNormal([128], 0, 0.3, 'float32', 6);
      const w = tf.randomNormal([6, 128], 0, 1, 'float32', 7);
      const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      expect(diff(layerNorm(x, gamma, beta, 1e-5), composite(x, gamma, beta, 1e-5))).toBeLessThan(1e-5);
      const mine = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(layerNorm(a, b, c, 1e-5), w)))([
        x,
        gamma,
        beta,
      ]);
      const ref = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(composite(a, b, c, 1e-5), w)))([
        x,
        gamma,
        beta,
      ]);
      mine.forEach((t, i) => expect(diff(t, ref[i]!)).toBeLessThan(5e-5));
    });
  });

  it('leaks no tensor, forward and backward', () => {
    const x = tf.randomNormal([3, 4, 8], 0, 1, 'float32', 1);
    const gamma = tf.ones([8]);
    const beta = tf.zeros([8]);
    const run = () =>
      tf.tidy(() => tf.grads((a: tf.Tensor) => tf.sum(tf.square(layerNorm(a, gamma, beta, 1e-5))))([x]));
    tf.dispose(run());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(run());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, gamma, beta]);
  });
});

// kd's kernel only (the cpu path composes tfjs ops, whose sums round with the batch's shape)
describe('layerNorm on kd kernels (wasm)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });

  it('gives each row the bits it gets alone (the kernel takes rows four at a time)', () => {
    tf.tidy(() => {
      const R = 7; // a group of four and three rows left over
      const x = tf.randomNormal([R, 128], 0.5, 2, 'float32', 8);
      const gamma = tf.randomNormal([128], 1, 0.3, 'float32', 9);
      const beta = tf.randomNormal([128], 0, 0.3, 'float32', 10);
      const w = tf.randomNormal([R, 128], 0, 1, 'float32', 11);
      const run = (xr: tf.Tensor, wr: tf.Tensor) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(layerNorm(a, b, c, 1e-5), wr)))([
          xr,
          gamma,
          beta,
        ]);
      const bits = (t: tf.Tensor) => {
        const d = t.dataSync();
        return Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
      };
      const y = layerNorm(x, gamma, beta, 1e-5);
      const [dx, , dbeta] = run(x, w);
      const rows = tf.split(x, R);
      const wRows = tf.split(w, R);
      let sum = new Float32Array(128);
      rows.forEach((xr, r) => {
        expect(bits(tf.slice(y, [r, 0], [1, 128]))).toEqual(bits(layerNorm(xr, gamma, beta, 1e-5)));
        const [dxr] = run(xr, wRows[r]!);
        expect(bits(tf.slice(dx!, [r, 0], [1, 128]))).toEqual(bits(dxr!));
        // dbeta adds the rows in order: ((0 + dy_0) + dy_1) + …, in float32
        sum = Float32Array.from(sum, (v, c) => v + wRows[r]!.dataSync()[c]!);
      });
      expect(bits(dbeta!)).toEqual(Array.from(new Uint32Array(sum.buffer)));
    });
  });
});
