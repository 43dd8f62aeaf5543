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
const text: DataText = {
  vocabSize: 14,
  length: T,
  classPrompts: { prompts: 1, ids: new Int32Array(3 * T), mask: new Float32Array(3 * T) },
};

function batch(padBox: number[] = [0, 0, 4, 4]): Batch {
  return {
    x: tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3),
    tokens: tf.tensor2d(
      [
        [2, 7, 8, 9, 3, 0],
        [2, 10, 3, 0, 0, 0],
      ],
      [2, T],
      'int32',
    ),
    tokenMask: tf.tensor2d(
      [
        [1, 1, 1, 1, 1, 0],
        [1, 1, 1, 0, 0, 0],
      ],
      [2, T],
    ),
    proposals: tf.tensor3d([
      [
        [0, 0, 8, 8],
        [4, 4, 16, 12],
        [2, 2, 6, 14],
        [0, 0, 16, 16],
      ],
      [[1, 1, 9, 9], padBox, [0, 0, 0, 0], [0, 0, 0, 0]],
    ]),
    proposalMask: tf.tensor2d(
      [
        [1, 1, 1, 1],
        [1, 0, 0, 0],
      ],
      [2, 4],
    ),
  };
}

describe('vl-scene: CNN backbone → RoIAlign over proposals → VL transformer', () => {
  let model: VlSceneModel;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
    model = arch.build({
      inputShape: [16, 16, 1],
      numClasses: 3,
      seed: 4,
      data: { name: 's', inputShape: [16, 16, 1], numClasses: 3, classNames: ['a', 'b', 'c'], text },
      options: { width: 4, regions: 3, pool: 2, layers: 1, dModel: 8, heads: 2, ffn: 16 },
    }) as VlSceneModel;
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
      const direct = roiAlign(
        feature,
        [
          [4, 4, 16, 12],
          [1, 1, 9, 9],
        ],
        [0, 1],
        [16, 16],
        [2, 2],
      ).reshape([2, -1]);
      const taken = tf.stack([
        out['regions']!.slice([0, 1, 0], [1, 1, -1]).reshape([-1]),
        out['regions']!.slice([1, 0, 0], [1, 1, -1]).reshape([-1]),
      ]);
      expect(tf.max(tf.abs(tf.sub(direct, taken))).dataSync()[0]).toBeLessThan(1e-6);
    });
  });

  it("resumes from its own 'regions' with the batch's text: the same taps downstream, no backbone", () => {
    tf.tidy(() => {
      expect(model.resumableTaps()).toEqual(['regions']);
      const b = batch();
      const first = model.forward(b, { training: false });
      const again = model.forwardFrom('regions', first['regions']!, b, { training: false });
      expect(again['feature']).toBeUndefined();
      expect(again['regions']).toBeUndefined();
      for (const name of [
        'text',
        'regionStates',
        'embedding',
        'logits',
        'mlmLogits',
        'itmLogits',
        'layer1',
        'layer1.attention',
      ]) {
        expect(Array.from(again[name]!.dataSync()), name).toEqual(Array.from(first[name]!.dataSync()));
      }
    });
  });

  it('reads the text of the batch it resumes with (other captions score differently), and no side channel', () => {
    tf.tidy(() => {
      const b = batch();
      const regions = model.forward(b, { training: false, taps: new Set(['regions']) })['regions']!;
      const other = { ...b, tokens: tf.reverse(b['tokens']!, 0), tokenMask: tf.reverse(b['tokenMask']!, 0) };
      const want = model.forward(other, { training: false, taps: new Set(['itmLogits']) })['itmLogits']!;
      const got = model.forwardFrom('regions', regions, other, { training: false, taps: new Set(['itmLogits']) })[
        'itmLogits'
      ]!;
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      const own = model.forwardFrom('regions', regions, b, { training: false, taps: new Set(['itmLogits']) })[
        'itmLogits'
      ]!;
      expect(tf.max(tf.abs(tf.sub(got, own))).dataSync()[0]).toBeGreaterThan(0);
      // a 'regions' key in the batch is just another key: forward still runs the backbone
      const ignored = model.forward(
        { ...b, regions: tf.zerosLike(regions) },
        { training: false, taps: new Set(['regions']) },
      )['regions']!;
      expect(Array.from(ignored.dataSync())).toEqual(Array.from(regions.dataSync()));
    });
  });

  it('lets the gradient flow to the injected regions, with a flat tensor count', () => {
    const b = batch();
    const regions = tf.tidy(() => model.forward(b, { training: false, taps: new Set(['regions']) })['regions']!);
    const v = tf.variable(regions, true, `regions-${Math.random()}`);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () =>
        tf.sum(
          model.forwardFrom('regions', v, b, { training: true, taps: new Set(['itmLogits']) })['itmLogits']!,
        ) as tf.Scalar,
      [v],
    );
    expect(tf.tidy(() => tf.sum(tf.abs(grads[v.name]!)).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([v, regions, ...Object.values(b)]);
  });

  it('rejects another tap, and regions of the wrong shape', () => {
    tf.tidy(() => {
      const b = batch();
      expect(() => model.forwardFrom('feature', tf.zeros([2, 4, 4, 8]), b, { training: false })).toThrow(
        /cannot resume at tap 'feature'; resumable: regions/,
      );
      expect(() => model.forwardFrom('regions', tf.zeros([2, 2, 32]), b, { training: false })).toThrow(
        /takes \[B, 3, 32\]/,
      );
      expect(() => model.forwardFrom('regions', tf.zeros([1, 3, 32]), b, { training: false })).toThrow(
        /1 images of regions for a batch of 2/,
      );
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
    expect(() => arch.build({ inputShape: [16, 16, 1], numClasses: 3, seed: 1, options: {} })).toThrow(
      /scene-captions/,
    );
  });
});
