import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@kd/core';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextEncoder } from './text-encoder.js';

describe.each(['transformer', 'bag'] as const)('text encoder (%s)', (kind) => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });
  const make = () =>
    new TextEncoder({ vocabSize: 20, length: 6, dModel: 8, outDim: 5, kind, layers: 2, heads: 2, ffn: 16 }, new Rng(4));

  it('gives [B, outDim] sentence embeddings that padding cannot change', () => {
    const enc = make();
    tf.tidy(() => {
      const mask = tf.tensor2d([
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 1, 1],
      ]);
      const a = enc.apply(
        tf.tensor2d(
          [
            [2, 7, 3, 0, 0, 0],
            [2, 5, 6, 7, 8, 3],
          ],
          [2, 6],
          'int32',
        ),
        mask,
      );
      const b = enc.apply(
        tf.tensor2d(
          [
            [2, 7, 3, 9, 9, 9],
            [2, 5, 6, 7, 8, 3],
          ],
          [2, 6],
          'int32',
        ),
        mask,
      );
      expect(a.shape).toEqual([2, 5]);
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
      // but a different real token does change it
      const c = enc.apply(
        tf.tensor2d(
          [
            [2, 8, 3, 0, 0, 0],
            [2, 5, 6, 7, 8, 3],
          ],
          [2, 6],
          'int32',
        ),
        mask,
      );
      expect(
        tf.max(tf.abs(tf.sub(tf.slice(a, [0, 0], [1, 5]), tf.slice(c, [0, 0], [1, 5])))).dataSync()[0],
      ).toBeGreaterThan(1e-4);
    });
    enc.dispose();
  });

  it('every parameter is trained on wasm (embedding gradients included)', () => {
    const enc = make();
    const vars = [...enc.namedParameters().values()];
    tf.tidy(() => {
      const ids = tf.tensor2d(
        [
          [2, 7, 3, 0, 0, 0],
          [2, 5, 6, 7, 8, 3],
        ],
        [2, 6],
        'int32',
      );
      const mask = tf.tensor2d([
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 1, 1],
      ]);
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(enc.apply(ids, mask))) as tf.Scalar, vars);
      for (const [name, v] of enc.namedParameters())
        expect(
          grads[v.name]!.dataSync().some((g) => g !== 0),
          name,
        ).toBe(true);
    });
    enc.dispose();
  });
});
