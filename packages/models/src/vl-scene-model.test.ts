import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch, DataText } from '@kd/core';
import { architectures } from './architectures/index.js';
import { roiAlign } from './roi-pool.js';
import type { VlSceneModel } from './vl-scene-model.js';

const arch = architectures.find((a) => a.id === 'vl-scene')!;
const T = 6;
const text: DataText = { vocabSize: 14, length: T, classPrompts: { prompts: 1, ids: new Int32Array(3 * T), mask: new Float32Array(3 * T) } };

function batch(padBox: number[] = [0, 0, 4, 4]): Batch {
  return {
    x: tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3),
    tokens: tf.tensor2d([[2, 7, 8, 9, 3, 0], [2, 10, 3, 0, 0, 0]], [2, T], 'int32'),
    tokenMask: tf.tensor2d([[1, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0]], [2, T]),
    proposals: tf.tensor3d([[[0, 0, 8, 8], [4, 4, 16, 12], [2, 2, 6, 14], [0, 0, 16, 16]], [[1, 1, 9, 9], padBox, [0, 0, 0, 0], [0, 0, 0, 0]]]),
    proposalMask: tf.tensor2d([[1, 1, 1, 1], [1, 0, 0, 0]], [2, 4]),
  };
}

describe('vl-scene: CNN backbone → RoIAlign over proposals → VL transformer', () => {
  let model: VlSceneModel;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
    model = arch.build({ inputShape: [16, 16, 1], numClasses: 3, seed: 4, data: { name: 's', inputShape: [16, 16, 1], numClasses: 3, classNames: ['a', 'b', 'c'], text }, options: { width: 4, regions: 3, pool: 2, layers: 1, dModel: 8, heads: 2, ffn: 16 } }) as VlSceneModel;
  });
  afterAll(() => model.dispose());

  it('returns every declared tap with its declared shape', () => {
    tf.tidy(() => {
      const out = model.forward(batch(), { training: false });
      for (const [name, spec] of Object.entries(model.tapSpecs())) {
        expect(out[name], name).toBeDefined();
        expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
      }
    });
  });

  it('pools the first R proposals of each image from the backbone map (RoIAlign, stride 4)', () => {
    tf.tidy(() => {
      const out = model.forward(batch(), { training: false });
      const feature = out['feature'] as tf.Tensor4D;
      const direct = roiAlign(feature, [[4, 4, 16, 12], [1, 1, 9, 9]], [0, 1], [16, 16], [2, 2]).reshape([2, -1]);
      const taken = tf.stack([out['regions']!.slice([0, 1, 0], [1, 1, -1]).reshape([-1]), out['regions']!.slice([1, 0, 0], [1, 1, -1]).reshape([-1])]);
      expect(tf.max(tf.abs(tf.sub(direct, taken))).dataSync()[0]).toBeLessThan(1e-6);
    });
  });

  it('takes precomputed regions instead of running the backbone again (same outputs)', () => {
    tf.tidy(() => {
      const b = batch();
      const first = model.forward(b, { training: false });
      const again = model.forward({ ...b, regions: first['regions']! }, { training: false, taps: new Set(['text', 'feature']) });
      expect(tf.max(tf.abs(tf.sub(first['text']!, again['text']!))).dataSync()[0]).toBe(0);
      expect(again['feature']).toBeUndefined();
    });
  });

  it('ignores padded proposals: moving a masked box changes no text state', () => {
    tf.tidy(() => {
      const a = model.forward(batch(), { training: false, taps: new Set(['text']) })['text']!;
      const b = model.forward(batch([3, 3, 15, 15]), { training: false, taps: new Set(['text']) })['text']!;
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-6);
    });
  });

  it('trains end to end: a masked-token loss reaches the backbone convolutions and the transformer', () => {
    const vars = model.namedParameters();
    const { grads } = tf.variableGrads(() => {
      const logits = model.forward(batch(), { training: true, taps: new Set(['mlmLogits']) })['mlmLogits']!;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.fill([2, T], 7, 'int32'), 14), logits) as tf.Scalar;
    }, [...vars.values()]);
    const norm = (k: string) => tf.tidy(() => tf.norm(grads[vars.get(k)!.name]!).dataSync()[0]!);
    expect(norm('conv1.weight')).toBeGreaterThan(0);
    expect(norm('vl.tokens.weight')).toBeGreaterThan(0);
    tf.dispose(Object.values(grads));
  });

  it('says which dataset it needs when the data has no text', () => {
    expect(() => arch.build({ inputShape: [16, 16, 1], numClasses: 3, seed: 1, options: {} })).toThrow(/scene-captions/);
  });
});
