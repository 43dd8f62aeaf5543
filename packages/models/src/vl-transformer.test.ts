import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch, TappedModel } from '@kd/core';
import { architectures } from './architectures/index.js';

const vl = architectures.find((a) => a.id === 'vl-transformer')!;
const T = 5;
const R = 3;

function batch(): Batch {
  return {
    x: tf.zeros([2, 1]),
    tokens: tf.tensor2d(
      [
        [2, 7, 8, 3, 0],
        [2, 9, 3, 0, 0],
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
    regions: tf.randomNormal([2, R, 6], 0, 1, 'float32', 1),
    regionBoxes: tf.tensor3d([
      [
        [0, 0, 0.5, 0.5],
        [0.5, 0, 1, 0.5],
        [0, 0, 1, 1],
      ],
      [
        [0.1, 0.1, 0.3, 0.4],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
    ]),
    regionMask: tf.tensor2d(
      [
        [1, 1, 1],
        [1, 0, 0],
      ],
      [2, R],
    ),
    pairs: tf.tensor3d(
      [
        [
          [0, 1],
          [2, 0],
        ],
        [
          [0, 0],
          [0, 0],
        ],
      ],
      [2, 2, 2],
      'int32',
    ),
  };
}

describe('vision-language transformer', () => {
  const built: TappedModel[] = [];
  const make = (options: Record<string, unknown> = {}) => {
    const m = vl.build({
      inputShape: [R, 6],
      numClasses: 4,
      seed: 2,
      options: {
        vocabSize: 12,
        textLength: T,
        regions: R,
        regionFeatures: 6,
        layers: 2,
        dModel: 8,
        heads: 2,
        ffn: 16,
        predicates: 3,
        ...options,
      },
    });
    built.push(m);
    return m;
  };
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });
  afterAll(() => built.forEach((m) => m.dispose()));

  it('returns every declared tap with its declared shape (relation head on the batch pairs)', () => {
    const m = make();
    tf.tidy(() => {
      const out = m.forward(batch(), { training: false });
      const specs = m.tapSpecs();
      expect(Object.keys(out).sort()).toEqual(Object.keys(specs).sort());
      for (const [name, spec] of Object.entries(specs)) {
        const shape = spec.shape.map((d) => (d === -1 ? 2 : d)); // P = 2 pairs
        expect([name, out[name]!.shape]).toEqual([name, [2, ...shape]]);
      }
    });
  });

  it('attention: rows sum to 1, padded tokens and regions get exactly 0', () => {
    const m = make();
    tf.tidy(() => {
      const probs = m
        .forward(batch(), { training: false, taps: new Set(['layer1.attention']) })
        ['layer1.attention']!.arraySync() as number[][][][];
      for (const head of probs[1]!) {
        for (const row of head) {
          expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
          // sample 1: text positions 3, 4 and regions 1, 2 (positions T+1, T+2) are padding
          for (const k of [3, 4, T + 1, T + 2]) expect(row[k]).toBe(0);
        }
      }
    });
  });

  it('causal text attention: text never looks ahead, regions never look at text', () => {
    const m = make({ textAttention: 'causal' });
    tf.tidy(() => {
      const probs = m
        .forward(batch(), { training: false, taps: new Set(['layer2.attention']) })
        ['layer2.attention']!.arraySync() as number[][][][];
      for (const head of probs[0]!) {
        for (let q = 0; q < T + R; q++) {
          for (let k = 0; k < T; k++) if (q >= T || k > q) expect(head[q]![k]).toBe(0);
        }
      }
    });
  });

  it('the states of kept tokens do not depend on what sits in padded positions', () => {
    const m = make();
    tf.tidy(() => {
      const a = batch();
      const b = {
        ...a,
        tokens: tf.tensor2d(
          [
            [2, 7, 8, 3, 11],
            [2, 9, 3, 5, 6],
          ],
          [2, T],
          'int32',
        ),
        regions: tf.mul(
          a.regions!,
          tf.tensor3d([
            [[1], [1], [1]],
            [[1], [9], [9]],
          ]),
        ),
      };
      const ta = m.forward(a, { training: false })['text']!;
      const tb = m.forward(b, { training: false })['text']!;
      const kept = (t: tf.Tensor) => tf.slice(t, [1, 0, 0], [1, 3, 8]);
      expect(tf.max(tf.abs(tf.sub(kept(ta), kept(tb)))).dataSync()[0]).toBeLessThan(1e-5);
    });
  });

  it('trains on wasm: every parameter gets a gradient through embeddings (gather) and all heads', () => {
    const m = make();
    const vars = [...m.namedParameters().values()];
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const out = m.forward(batch(), { training: true });
        return tf.addN(
          ['logits', 'mlmLogits', 'itmLogits', 'relationLogits'].map((k) => tf.sum(tf.square(out[k]!))),
        ) as tf.Scalar;
      }, vars);
      for (const [name, v] of m.namedParameters()) {
        const g = grads[v.name]!.dataSync();
        expect(g.every(Number.isFinite), name).toBe(true);
        expect(
          g.some((e) => e !== 0),
          name,
        ).toBe(true);
      }
    });
  });

  it('names a missing batch key', () => {
    const m = make();
    expect(() => m.forward({ x: tf.zeros([1]), tokens: tf.zeros([1, T], 'int32') }, { training: false })).toThrow(
      "vl-transformer: the batch has no 'regionBoxes'",
    );
  });
});
