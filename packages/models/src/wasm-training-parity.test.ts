import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { crossEntropy, type TappedModel } from '@kd/core';
import { composedKernelsFor, registerComposedKernels } from '@kd/tfjs-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';

/**
 * Whole networks through tf.variableGrads on wasm — every kd kernel in play (native convs, their
 * gradients, fused batch norm, GEMM, sums, zero-copy identity) — against the cpu backend's stock
 * kernels: loss and every parameter gradient within 1e-4 (scaled: relative for |g| > 1).
 */
async function lossAndGrads(
  backend: string,
  build: () => TappedModel,
  x: Float32Array,
  xShape: number[],
  labels: number[],
) {
  await tf.setBackend(backend);
  const model = build();
  const vars = [...model.namedParameters().entries()];
  const out = tf.tidy(() => {
    const xs = tf.tensor(x, xShape);
    const y = tf.tensor1d(labels, 'int32');
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(model.forward({ x: xs, y }, { training: true, taps: new Set(['logits']) })['logits']!, y),
      vars.map(([, v]) => v),
    );
    return {
      value: value.dataSync()[0]!,
      grads: vars.map(([name, v]) => [name, grads[v.name]!.dataSync() as Float32Array] as const),
    };
  });
  model.dispose();
  return out;
}

const scaledDiff = (a: Float32Array, b: Float32Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
};

describe('training gradients of whole networks: wasm with kd kernels vs cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
    expect(composedKernelsFor('wasm')).toEqual(
      expect.arrayContaining(['Conv2D', 'KdBatchNormTrain', 'BatchMatMul', 'Identity']),
    );
  });

  const cases = [
    {
      name: 'resnet8 (width 8) on 13×13×3, batch 6',
      build: () =>
        architectures
          .find((a) => a.id === 'resnet8')!
          .build({ inputShape: [13, 13, 3], numClasses: 5, seed: 4, options: { width: 8 } }),
      shape: [6, 13, 13, 3],
    },
    {
      name: 'transformer (2 layers, d 16, 4 heads) on 7 tokens × 6 features, batch 5',
      build: () =>
        architectures
          .find((a) => a.id === 'transformer')!
          .build({
            inputShape: [7, 6],
            numClasses: 5,
            seed: 4,
            options: { layers: 2, dModel: 16, heads: 4, ffn: 24 },
          }),
      shape: [5, 7, 6],
    },
  ];
  it.each(cases)('$name', async ({ build, shape }) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 1.5);
    const labels = Array.from({ length: shape[0]! }, (_, i) => i % 5);
    const ref = await lossAndGrads('cpu', build, x, shape, labels);
    const got = await lossAndGrads('wasm', build, x, shape, labels);
    expect(Math.abs(got.value - ref.value)).toBeLessThan(1e-5);
    expect(got.grads.map(([k]) => k)).toEqual(ref.grads.map(([k]) => k));
    got.grads.forEach(([name, g], i) => expect(scaledDiff(g, ref.grads[i]![1]), name).toBeLessThanOrEqual(1e-4));
  });
});
