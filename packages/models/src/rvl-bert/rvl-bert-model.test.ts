import * as tf from '@tensorflow/tfjs';
import type { Batch } from '@kd/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VlSceneConfig } from '../vl-scene-model.js';
import { RvlBertModel, type RvlBertConfig } from './rvl-bert-model.js';

const T = 8;
const encoder: VlSceneConfig = {
  inputShape: [32, 32, 1],
  width: 4,
  pool: 2,
  proposals: '',
  regions: 4,
  vocabSize: 12,
  textLength: T,
  layers: 1,
  dModel: 8,
  heads: 2,
  ffn: 16,
  normFirst: false,
  activation: 'gelu',
  numClasses: 3,
  predicates: 0,
  textAttention: 'bidirectional',
  textVisual: true,
  mlmTransform: true,
  seed: 3,
};
const config = (over: Partial<RvlBertConfig> = {}): RvlBertConfig => ({
  encoder,
  predicates: 5,
  spatial: 'vrd',
  maskAttention: true,
  maskPool: 4,
  maskEpsilon: 1e-6,
  unionMargin: 1,
  classWords: [[5], [6], [7, 8]],
  predicateWords: [[9], [10, 11], [], [9, 10], [11]],
  query: false,
  ids: { cls: 2, sep: 3, mask: 4, pad: 0 },
  seed: 1,
  ...over,
});

/** Pair slots with subject = object are padding (pairMask 0) unless `mask` says otherwise. */
const batch = (pairs: number[][][], mask?: number[][], query?: number[][]): Batch => ({
  x: tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 5),
  boxes: tf.tensor3d([
    [
      [2, 2, 12, 14],
      [16, 4, 30, 20],
      [5, 18, 15, 30],
    ],
    [
      [1, 1, 10, 10],
      [20, 20, 31, 31],
      [0, 0, 0, 0],
    ],
  ]),
  boxClasses: tf.tensor2d(
    [
      [0, 2, 1],
      [1, 0, 0],
    ],
    [2, 3],
    'int32',
  ),
  pairs: tf.tensor3d(pairs, [2, pairs[0]!.length, 2], 'int32'),
  pairMask: tf.tensor2d(mask ?? pairs.map((ps) => ps.map(([s, o]) => (s === o ? 0 : 1)))),
  ...(query ? { pairQuery: tf.tensor2d(query, undefined, 'int32') } : {}),
});
const PAIRS = [
  [
    [0, 1],
    [1, 2],
    [2, 0],
  ],
  [
    [0, 1],
    [1, 0],
    [0, 0],
  ],
];

describe('rvl-bert: one sequence per object pair through the VL encoder, the answer head on [MASK]', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('declares and returns relationLogits [B, Q, 1 + N], and with the mask module the role masks and the pairs’ boxes', () => {
    const model = new RvlBertModel(config());
    tf.tidy(() => {
      const out = model.forward(batch(PAIRS), { training: false });
      expect(out['relationLogits']!.shape).toEqual([2, 3, 6]);
      expect(out['roleMasks']!.shape).toEqual([2, 3, 2, 4, 4]);
      expect(out['pairBoxes']!.shape).toEqual([2, 3, 4, 4]);
      // image 0's first pair: the image, the subject, the union (± 1 px), the object, / 32
      expect(Array.from(out['pairBoxes']!.slice([0, 0, 0, 0], [1, 1, 4, 4]).dataSync())).toEqual(
        [0, 0, 32, 32, 2, 2, 12, 14, 1, 1, 31, 21, 16, 4, 30, 20].map((v) => v / 32),
      );
      const masks = out['roleMasks']!.dataSync();
      expect(Math.min(...masks)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...masks)).toBeLessThanOrEqual(1 + 1e-6);
      for (const [name, spec] of Object.entries(model.tapSpecs()))
        expect(out[name]!.shape.slice(2), name).toEqual(spec.shape.slice(1));
    });
    expect(Object.keys(new RvlBertModel(config({ maskAttention: false, spatial: 'none' })).tapSpecs())).toEqual([
      'relationLogits',
    ]);
  });

  it('in evaluation a pair is scored alone: its logits do not depend on the other pairs of the batch', () => {
    const model = new RvlBertModel(config());
    tf.tidy(() => {
      const all = model.forward(batch(PAIRS), { training: false })['relationLogits']!;
      const one = model.forward(batch(PAIRS.map((ps) => [ps[1]!])), { training: false })['relationLogits']!;
      const a = all.slice([0, 1, 0], [2, 1, 6]).dataSync();
      const o = one.dataSync();
      expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - o[i]!)))).toBeLessThan(1e-5);
    });
  });

  it('with the encoder frozen, the heads learn and the encoder gets no gradient; the masks’ final bias gets none either', () => {
    const model = new RvlBertModel(config());
    model.encoder.setFrozen(true);
    const encoderVars = new Set([...model.encoder.namedParameters().values()].map((v) => v.name));
    const trainable = model.trainableVariables();
    expect(trainable.some((v) => encoderVars.has(v.name))).toBe(false);
    const before = [...model.encoder.namedVariables().values()].map((v) => Array.from(v.dataSync()));
    const { grads } = tf.variableGrads(() => {
      const out = model.forward(batch(PAIRS), { training: true });
      return tf.add(
        tf.sum(tf.mul(out['relationLogits']!, tf.randomNormal([2, 3, 6], 0, 1, 'float32', 2))),
        tf.mean(out['roleMasks']!),
      ) as tf.Scalar;
    }, trainable);
    const norm = (name: string) => tf.norm(grads[name]!).dataSync()[0]!;
    const byPath = model.namedParameters();
    for (const path of [
      'answer.classifier.weight',
      'answer.fuse.weight',
      'spatial.subject.weight',
      'maskAttention.role0.weight',
      'maskAttention.downsample.weight',
    ])
      expect(norm(byPath.get(path)!.name), path).toBeGreaterThan(0);
    expect(norm(byPath.get('maskAttention.final.bias')!.name)).toBeLessThan(1e-5);
    // the frozen encoder, running statistics included, is unchanged by a training forward
    expect([...model.encoder.namedVariables().values()].map((v) => Array.from(v.dataSync()))).toEqual(before);
  });

  it("initialised(): the classifier's predicate rows become the mean embedding of their names' words; the background's and a nameless predicate's stay; biases 0", () => {
    const model = new RvlBertModel(config());
    const before = model.answer.classifier.weight.arraySync() as number[][]; // [d, 1 + N]
    model.initialised();
    const after = model.answer.classifier.weight.arraySync() as number[][];
    const table = model.encoder.transformer.tokens.weight.arraySync() as number[][];
    const column = (w: number[][], c: number) => w.map((row) => row[c]!);
    const mean = (ids: number[]) => table[0]!.map((_, j) => ids.reduce((a, id) => a + table[id]![j]!, 0) / ids.length);
    expect(column(after, 0)).toEqual(column(before, 0));
    expect(column(after, 3)).toEqual(column(before, 3)); // predicate 2 has no words
    for (const [k, ids] of [[9], [10, 11], [], [9, 10], [11]].entries()) {
      if (!ids.length) continue;
      const got = column(after, 1 + k);
      mean(ids).forEach((v, j) => expect(got[j]!).toBeCloseTo(v, 6));
    }
    expect(Array.from(model.answer.classifier.bias!.dataSync()).every((b) => b === 0)).toBe(true);
  });

  it("training draws the heads' dropout from the step seed: the same seed repeats a forward pass, another changes it, none without one", () => {
    const model = new RvlBertModel(config());
    tf.tidy(() => {
      const run = (seed?: number) =>
        Array.from(model.forward(batch(PAIRS), { training: true, seed })['relationLogits']!.dataSync());
      const a = run(11);
      expect(run(11)).toEqual(a);
      expect(run(12)).not.toEqual(a);
      expect(run()).toEqual(run());
    });
  });

  it('only real pair slots are encoded: padding slots give zeros, and the real pairs the same logits as without them', () => {
    const model = new RvlBertModel(config());
    tf.tidy(() => {
      const out = model.forward(batch(PAIRS), { training: false });
      const logits = out['relationLogits']!.arraySync() as number[][][];
      expect(logits[1]![2]!.every((v) => v === 0)).toBe(true); // image 1's slot 2 is padding
      expect((out['roleMasks']!.arraySync() as number[][][][][])[1]![2]!.flat(2).every((v) => v === 0)).toBe(true);
      // the first two pairs of each image, without the third slot at all
      const two = model.forward(batch(PAIRS.map((ps) => ps.slice(0, 2))), { training: false })['relationLogits']!;
      const a = out['relationLogits']!.slice([0, 0, 0], [2, 2, 6]).dataSync();
      const o = two.dataSync();
      expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - o[i]!)))).toBeLessThan(1e-5);
      // no real pair at all: zeros of every tap's shape
      const none = model.forward(
        batch(PAIRS, [
          [0, 0, 0],
          [0, 0, 0],
        ]),
        { training: true },
      );
      expect(none['relationLogits']!.shape).toEqual([2, 3, 6]);
      expect(none['roleMasks']!.shape).toEqual([2, 3, 2, 4, 4]);
      expect(Array.from(none['relationLogits']!.dataSync()).every((v) => v === 0)).toBe(true);
    });
    // a training step on such a batch still has a loss connected to the variables (zero gradients), not an error
    const { grads } = tf.variableGrads(
      () =>
        tf.sum(
          model.forward(
            batch(PAIRS, [
              [0, 0, 0],
              [0, 0, 0],
            ]),
            { training: true },
          )['relationLogits']!,
        ) as tf.Scalar,
      model.trainableVariables(),
    );
    const values = Object.values(grads);
    expect(values.length).toBeGreaterThan(0);
    expect(values.every((g) => Array.from(g.dataSync()).every((v) => v === 0))).toBe(true);
  });

  it('query: the text names the queried predicate (SpatialSense-like), so the answer depends on the question; pairQuery is required', () => {
    const model = new RvlBertModel(config({ query: true }));
    expect(model.requiredBatchKeys().map((k) => k.key)).toContain('pairQuery');
    expect(new RvlBertModel(config()).requiredBatchKeys().map((k) => k.key)).not.toContain('pairQuery');
    tf.tidy(() => {
      const ask = (k: number) =>
        model
          .forward(
            batch(PAIRS, undefined, [
              [k, k, k],
              [k, k, k],
            ]),
            { training: false },
          )
          ['relationLogits']!.dataSync();
      const left = ask(0); // 'left' and another one-word predicate (the test vocabulary's text length is 8)
      const above = ask(4);
      expect(Math.max(...Array.from(left, (v, i) => Math.abs(v - above[i]!)))).toBeGreaterThan(1e-4);
      // a predicate without words (2) leaves the text as without a query
      const plain = new RvlBertModel(config()).forward(batch(PAIRS), { training: false })['relationLogits']!.dataSync();
      const nameless = ask(2);
      expect(Math.max(...Array.from(plain, (v, i) => Math.abs(v - nameless[i]!)))).toBeLessThan(1e-5);
    });
  });

  it('refuses an encoder without textVisual', () => {
    expect(() => new RvlBertModel(config({ encoder: { ...encoder, textVisual: false } }))).toThrow(/textVisual/);
  });
});
