import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { ConfigError, type Batch, type DataText } from '@kd/core';
import { errorOf } from '@kd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import { roiAlign } from './roi-pool.js';
import type { VlSceneModel } from './vl-scene-model.js';

/** vl-scene's relation head on the annotated boxes (`options.proposals: objects`), as the relationships task uses it. */
const arch = architectures.find((a) => a.id === 'vl-scene')!;
const T = 5;
const M = 3;
const text: DataText = {
  vocabSize: 12,
  length: T,
  classPrompts: { prompts: 1, ids: new Int32Array(2 * T), mask: new Float32Array(2 * T) },
};
const data = { name: 's', inputShape: [16, 16, 1], numClasses: 2, classNames: ['a', 'b'], text };
const build = (options: Record<string, unknown>) =>
  arch.build({
    inputShape: [16, 16, 1],
    numClasses: 2,
    seed: 5,
    data,
    options: { width: 4, pool: 2, layers: 1, dModel: 8, heads: 2, ffn: 16, ...options },
  }) as VlSceneModel;

/** Two scenes: three objects, then two (one padded box slot); every ordered pair of real objects. */
function batch(): Batch {
  return {
    x: tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 7),
    tokens: tf.tensor2d(
      [
        [2, 5, 6, 3, 0],
        [2, 7, 3, 0, 0],
      ],
      [2, T],
      'int32',
    ),
    tokenMask: tf.tensor2d(
      [
        [1, 1, 1, 1, 0],
        [1, 1, 1, 0, 0],
      ],
      [2, T],
    ),
    // a decoy primary source: the model must not read it
    proposals: tf.tensor3d([
      [
        [0, 0, 16, 16],
        [0, 0, 8, 8],
        [8, 8, 16, 16],
      ],
      [
        [0, 0, 16, 16],
        [0, 0, 8, 8],
        [8, 8, 16, 16],
      ],
    ]),
    proposalMask: tf.ones([2, 3]),
    objectsProposals: tf.tensor3d([
      [
        [1, 1, 6, 7],
        [8, 2, 15, 9],
        [3, 9, 10, 15],
      ],
      [
        [2, 2, 9, 9],
        [9, 8, 14, 15],
        [0, 0, 0, 0],
      ],
    ]),
    objectsProposalMask: tf.tensor2d(
      [
        [1, 1, 1],
        [1, 1, 0],
      ],
      [2, M],
    ),
    pairs: tf.tensor3d(
      [
        [
          [0, 1],
          [1, 0],
          [0, 2],
          [2, 0],
          [1, 2],
          [2, 1],
        ],
        [
          [0, 1],
          [1, 0],
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      ],
      [2, 6, 2],
      'int32',
    ),
  };
}

describe('vl-scene relation head over the annotated boxes (proposals: objects)', () => {
  let model: VlSceneModel;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
    model = build({ regions: M, proposals: 'objects', predicates: 7 });
  });
  afterAll(() => model.dispose());

  it('pools its regions from objectsProposals, and relationLogits [B, Q, predicates] score the batch’s pairs of those regions', () => {
    tf.tidy(() => {
      const b = batch();
      const out = model.forward(b, { training: false });
      expect(out['relationLogits']!.shape).toEqual([2, 6, 7]);
      const feature = out['feature'] as tf.Tensor4D;
      const boxes = tf.reshape(b['objectsProposals']!, [6, 4]) as tf.Tensor2D;
      const pooled = tf.reshape(roiAlign(feature, boxes, [0, 0, 0, 1, 1, 1], [16, 16], [2, 2]), [2, M, -1]);
      expect(tf.max(tf.abs(tf.sub(pooled, out['regions']!))).dataSync()[0]).toBeLessThan(1e-6);
      // pair (s, o) of scene i: the head on [regionStates_i[s]; regionStates_i[o]]
      const states = out['regionStates']!.arraySync() as number[][][];
      const pairs = b['pairs']!.arraySync() as number[][][];
      const logits = out['relationLogits']!.arraySync() as number[][][];
      for (const [i, q] of [
        [0, 0],
        [0, 3],
        [0, 5],
        [1, 1],
      ] as const) {
        const [s, o] = pairs[i]![q]!;
        const direct = model.transformer
          .relation!.apply(tf.tensor2d([[...states[i]![s!]!, ...states[i]![o!]!]]))
          .dataSync();
        direct.forEach((v, k) => expect(logits[i]![q]![k], `scene ${i} pair ${q} predicate ${k}`).toBeCloseTo(v, 5));
      }
    });
  });

  it('declares the box slots it needs (regions = maxObjects) and the pairs', () => {
    const keys = model.requiredBatchKeys();
    expect(keys.find((k) => k.key === 'objectsProposals')).toMatchObject({ shape: [M, 4] });
    expect(keys.find((k) => k.key === 'pairs')).toMatchObject({ dtype: 'int32', shape: [-1, 2] });
    const plain = build({ regions: M });
    expect(plain.requiredBatchKeys().map((k) => k.key)).not.toContain('pairs');
    plain.dispose();
  });

  it('a relation head over another region source is refused, naming options.proposals', () => {
    const e = errorOf(() => build({ regions: M, predicates: 7 }));
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).path).toBe('options.proposals');
    expect(e.message).toMatch(/set proposals: objects/);
  });
});
