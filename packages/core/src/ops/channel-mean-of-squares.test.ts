import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { describe, expect, it } from 'vitest';
import { channelMeanOfSquares } from './channel-mean-of-squares.js';

const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 10 ** ((i % 5) - 2));

// the composition it stands in for: the same values and gradient, bit for bit, on the cpu backend
// and on wasm with kd's kernels (whose Mean gradient and broadcast products are kd's own)
describe.each(['cpu', 'wasm'])('channelMeanOfSquares on %s', (backend) => {
  const composed = (x: tf.Tensor) => tf.mean(tf.square(x), x.rank - 1, true);
  const valueAndGrad = (f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, w: tf.Tensor) =>
    tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => tf.sum(tf.mul(f(v), w)))(x);
      return [Array.from(f(x).dataSync()), value.dataSync()[0]!, Array.from(grad.dataSync())];
    });

  it.each([
    ['[2, 5, 5, 16]', [2, 5, 5, 16]],
    ['[3, 7] (a 2-d map)', [3, 7]],
    ['[1, 4, 4, 3] (odd channels)', [1, 4, 4, 3]],
  ])('= mean(square(x)) kept over the last axis, and its gradient: %s', async (_, shape) => {
    await tf.setBackend(backend);
    if (backend === 'wasm') registerComposedKernels('wasm');
    const n = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(values(n, 1), shape);
    const w = tf.tensor(values(n / shape.at(-1)!, 2), [...shape.slice(0, -1), 1]);
    const ours = valueAndGrad(channelMeanOfSquares, x, w);
    const theirs = valueAndGrad(composed, x, w);
    expect(ours).toEqual(theirs);
    expect(channelMeanOfSquares(x).shape).toEqual([...shape.slice(0, -1), 1]);
    // not a vacuous equality: the gradient is 2·x·w/C
    const g = ours[2] as number[];
    const xs = x.dataSync();
    const c = shape.at(-1)!;
    expect(g[c + 1]).toBeCloseTo((2 * xs[c + 1]! * w.dataSync()[1]!) / c, 6);
    tf.dispose([x, w]);
  });
});
