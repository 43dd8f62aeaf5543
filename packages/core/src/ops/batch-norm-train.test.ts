import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BATCH_NORM_TRAIN_KERNEL, registerComposedKernels } from '@kd/tfjs-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { normalTensor } from '../nn/init.js';
import { batchNormTrain } from './batch-norm-train.js';

/** The textbook composite (autodiff through moments), the reference for the fused op. */
function composite(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

// cpu: composed from tfjs ops; wasm: the native kernels of @kd/tfjs-runtime
describe.each(['cpu', 'wasm'])('batchNormTrain (fused forward + closed-form backward) on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    if (backend === 'wasm') registerComposedKernels('wasm');
  });

  it('takes the path expected for the backend', () => {
    expect(tf.getBackend()).toBe(backend);
    expect(tf.getKernel(BATCH_NORM_TRAIN_KERNEL, backend) != null).toBe(backend === 'wasm');
  });

  for (const shape of [
    [4, 5, 5, 3],
    [7, 6],
    [6, 3, 4, 16],
  ]) {
    it(`matches the composite in value and in every gradient, shape [${shape}]`, () => {
      const rng = new Rng(3);
      const x = tf.add(tf.mul(normalTensor(shape, 1, rng), 2), 0.5);
      const c = shape.at(-1)!;
      const g = tf.add(normalTensor([c], 0.5, rng), 1) as tf.Tensor1D;
      const b = normalTensor([c], 0.5, rng) as tf.Tensor1D;
      const w = normalTensor(shape, 1, rng); // a non-uniform upstream gradient
      const lossFused = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(batchNormTrain(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-5).y, w));
      const lossRef = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(composite(xi, gi, bi, 1e-5), w));
      expect(maxDiff(batchNormTrain(x, g, b, 1e-5).y, composite(x, g, b, 1e-5))).toBeLessThan(1e-5);
      const gf = tf.grads(lossFused)([x, g, b]);
      const gr = tf.grads(lossRef)([x, g, b]);
      gf.forEach((t, i) => expect(maxDiff(t, gr[i]!)).toBeLessThan(2e-5));
      const { mean, variance } = batchNormTrain(x, g, b, 1e-5);
      const m = tf.moments(
        x,
        shape.slice(0, -1).map((_, i) => i),
      );
      expect(maxDiff(mean, m.mean)).toBeLessThan(1e-6);
      expect(maxDiff(variance, m.variance)).toBeLessThan(1e-5);
    });
  }

  for (const shape of [
    [4, 5, 5, 3],
    [6, 3, 4, 16],
  ]) {
    it(`with relu: the very values and gradients of tf.relu after it, shape [${shape}]`, () => {
      const rng = new Rng(5);
      const x = tf.add(tf.mul(normalTensor(shape, 1, rng), 2), 0.5);
      const c = shape.at(-1)!;
      const g = tf.add(normalTensor([c], 0.5, rng), 1) as tf.Tensor1D;
      const b = normalTensor([c], 0.5, rng) as tf.Tensor1D;
      const w = normalTensor(shape, 1, rng);
      const fused = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) =>
        batchNormTrain(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-5, true).y;
      const separate = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) =>
        tf.relu(batchNormTrain(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-5).y);
      const y = fused(x, g, b);
      expect(y.min().dataSync()[0]).toBe(0); // some units are cut
      expect(y.dataSync()).toEqual(separate(x, g, b).dataSync());
      const gf = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(fused(xi, gi, bi), w)))([
        x,
        g,
        b,
      ]);
      const gs = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(separate(xi, gi, bi), w)))([
        x,
        g,
        b,
      ]);
      gf.forEach((t, i) => expect(t.dataSync()).toEqual(gs[i]!.dataSync()));
      // and the ReLU does cut the gradient: not the plain batch norm's
      const plain = tf.grads((xi: tf.Tensor) => tf.sum(tf.mul(batchNormTrain(xi, g, b, 1e-5).y, w)))([x]);
      expect(maxDiff(gf[0]!, plain[0]!)).toBeGreaterThan(1e-3);
    });
  }

  it('leaks no tensor inside tidy, forward and backward', () => {
    const x = tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 1);
    const g = tf.ones([2]) as tf.Tensor1D;
    const b = tf.zeros([2]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(batchNormTrain(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-5).y),
      )([x, g, b]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
