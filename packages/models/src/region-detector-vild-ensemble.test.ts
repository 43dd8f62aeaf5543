/**
 * region-detector's `options.ensemble` (ViLD-ensemble, the official 'double_branch' head): a second
 * head tower `imageHead.*` gives `distillEmbedding`, the text tower `regionLogits`; tap `regionScores`
 * mixes the two towers' class probabilities geometrically (`ensembleScores`).
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@kd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensembleScores } from './ensemble-scores.js';
import type { RegionDetector } from './region-detector.js';
import {
  SMALL_REGION_DETECTOR,
  VILD_CLASSES as K,
  VILD_DIM as D,
  distillBatch as batch,
  maxAbsDiff as maxAbs,
  textClassifierSetup,
  toyScenesData,
  useWasmBackend,
} from '../test/vild-detector-fixture.js';

const R = SMALL_REGION_DETECTOR.regions;
const NOVEL = [1];
const { build, remove } = textClassifierSetup('vild-ensemble', ['a', 'b', 'c'], {
  base: { headConvs: 2, distill: { proposals: 'biased', count: 4 } },
  data: toyScenesData(['a', 'b', 'c'], NOVEL),
});

/** The image tower set to the text tower's weights (head.* → imageHead.*, the text projection → imageHead.projection). */
function copyTextTower(m: RegionDetector): void {
  const vars = m.namedParameters();
  for (const [name, v] of vars) {
    const from = name.startsWith('imageHead.projection.')
      ? name.replace('imageHead.projection.', 'textClassifier.projection.')
      : name.replace(/^imageHead\./, 'head.');
    if (from !== name) v.assign(vars.get(from)!);
  }
}

describe('region-detector options.ensemble (ViLD-ensemble): a separate image tower and the geometric ensemble', () => {
  beforeAll(useWasmBackend);
  afterAll(remove);

  it('adds imageHead.* after every other variable (same initial weights), tap regionScores [R, K+1], and keeps the text outputs', () => {
    const plain = build({});
    const m = build({ ensemble: true });
    expect(m.config.ensemble).toEqual({ lambda: 2 / 3 });
    const plainVars = plain.namedParameters();
    const vars = m.namedParameters();
    const added = [...vars.keys()].filter((k) => !plainVars.has(k));
    expect(added).toEqual([
      'imageHead.conv1.weight',
      'imageHead.conv1.bias',
      'imageHead.conv2.weight',
      'imageHead.conv2.bias',
      'imageHead.fc.weight',
      'imageHead.fc.bias',
      'imageHead.projection.weight',
      'imageHead.projection.bias',
    ]);
    for (const [name, v] of plainVars) expect(maxAbs(v, vars.get(name)!), name).toBe(0);
    const specs = m.tapSpecs();
    expect(specs['regionScores']).toMatchObject({ shape: [R, K + 1], kind: 'other' });
    const { regionScores: _s, ...rest } = specs;
    expect(rest).toEqual(plain.tapSpecs());
    expect(plain.tapSpecs()['regionScores']).toBeUndefined();
    expect(m.requiredBatchKeys()).toEqual(plain.requiredBatchKeys());
    tf.tidy(() => {
      const b = batch();
      const out = m.forward(b, { training: false });
      const before = plain.forward(b, { training: false });
      for (const [name, spec] of Object.entries(specs)) expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
      // the text tower's outputs are the plain model's; the distillation proposals go through the image tower
      for (const name of Object.keys(before).filter((n) => n !== 'distillEmbedding'))
        expect(maxAbs(out[name]!, before[name]!), name).toBe(0);
      expect(maxAbs(out['distillEmbedding']!, before['distillEmbedding']!)).toBeGreaterThan(1e-3);
      const scores = out['regionScores']!.arraySync() as number[][][];
      for (const row of scores.flat()) for (const s of row) expect(s >= 0 && s <= 1).toBe(true);
      // column 0: the text background probability
      const background = tf.slice(tf.softmax(out['regionLogits']!), [0, 0, 0], [2, R, 1]);
      expect(maxAbs(tf.slice(out['regionScores']!, [0, 0, 0], [2, R, 1]), background)).toBeLessThan(1e-6);
      // computed only when asked for
      expect(Object.keys(m.forward(b, { training: false, taps: new Set(['regionLogits']) })).sort()).toEqual([
        'logits',
        'regionLogits',
      ]);
    });
    plain.dispose();
    m.dispose();
  });

  it('regionScores = ensembleScores(text logits, image cosines / τ) with the evaluation logits, in training too', () => {
    const lambda = 0.6;
    const m = build({ ensemble: { lambda } });
    const plain = build({});
    copyTextTower(m);
    tf.tidy(() => {
      const b = batch();
      const evaluation = m.forward(b, { training: false });
      // an image tower equal to the text one: its class logits are the text logits without background
      const text = tf.reshape(evaluation['regionLogits']!, [-1, K + 1]) as tf.Tensor2D;
      const image = tf.slice(text, [0, 1], [-1, K]) as tf.Tensor2D;
      const expected = tf.reshape(ensembleScores(text, image, NOVEL, lambda), [2, R, K + 1]);
      expect(maxAbs(evaluation['regionScores']!, expected)).toBeLessThan(1e-5);
      expect(maxAbs(evaluation['distillEmbedding']!, plain.forward(b, { training: false })['distillEmbedding']!)).toBe(
        0,
      );
      // in training the regionLogits mask the novel class, regionScores still score every class
      const training = m.forward(b, { training: true, taps: new Set(['regionLogits', 'regionScores']) });
      expect(maxAbs(training['regionLogits']!, evaluation['regionLogits']!)).toBeGreaterThan(1e-3);
      expect(maxAbs(training['regionScores']!, evaluation['regionScores']!)).toBeLessThan(1e-6);
    });
    m.dispose();
    plain.dispose();
  });

  it('gradients: the image L1 reaches imageHead.* and the backbone, never the text tower; the text CE never imageHead.*; flat tensor count', () => {
    const m = build({ ensemble: true });
    const vars = m.namedParameters();
    const b = batch();
    const target = tf.randomNormal([2, 4, D], 0, 1, 'float32', 8);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 3, 2, 0, 1], 'int32'), K + 1);
    const imageLoss = () => {
      const out = m.forward(b, { training: true, taps: new Set(['distillEmbedding', 'distillMask']) });
      const l1 = tf.sum(tf.abs(tf.sub(out['distillEmbedding']!, target)), -1);
      return tf.sum(tf.mul(l1, out['distillMask']!)) as tf.Scalar;
    };
    const textLoss = () => {
      const out = m.forward(b, { training: true, taps: new Set(['regionLogits', 'boxDeltas']) });
      const logits = tf.reshape(out['regionLogits']!, [-1, K + 1]);
      const ce = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1)));
      return tf.add(ce, tf.sum(tf.square(out['boxDeltas']!))) as tf.Scalar;
    };
    const textTower = [...vars.keys()].filter((k) => /^(head\.|textClassifier\.|boxRegressor\.)/.test(k));
    const imageTower = [...vars.keys()].filter((k) => k.startsWith('imageHead.'));
    expect(textTower).toContain('textClassifier.background');
    expect(imageTower.length).toBe(8);
    for (const [loss, reached, untouched] of [
      [imageLoss, [...imageTower, 'conv1.weight', 'conv3.weight'], textTower],
      [textLoss, [...textTower, 'conv1.weight'], imageTower],
    ] as const) {
      tf.dispose(tf.variableGrads(loss, [...vars.values()]).grads);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const { value, grads } = tf.variableGrads(loss, [...vars.values()]);
        const norm = (k: string) => {
          const g = grads[vars.get(k)!.name];
          return g ? tf.tidy(() => tf.norm(g).dataSync()[0]!) : 0;
        };
        for (const k of reached.filter((k) => !k.endsWith('.bias') || k.startsWith('imageHead.fc')))
          expect(norm(k), k).toBeGreaterThan(0);
        for (const k of untouched) expect(norm(k), k).toBe(0);
        tf.dispose([value, ...Object.values(grads)]);
      }
      expect(tf.memory().numTensors).toBe(before);
    }
    // an evaluation forward with regionScores leaks nothing either
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(Object.values(m.forward(b, { training: false })));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([target, labels, ...Object.values(b)]);
    m.dispose();
  });

  it('errors: without the text classifier or the distillation proposals, a λ outside [0, 1], another field (one line)', () => {
    const err = (options: Record<string, unknown>) => {
      try {
        build(options).dispose();
      } catch (e) {
        if (e instanceof ConfigError) return `${e.path}: ${e.message}`;
        throw e;
      }
      return 'built';
    };
    expect(err({ classifier: undefined, distill: undefined, ensemble: true })).toMatch(
      /^options\.ensemble: .*classifier/,
    );
    expect(err({ distill: undefined, ensemble: true })).toMatch(/^options\.ensemble: .*options\.distill/);
    expect(err({ ensemble: { lambda: 1.5 } })).toMatch(/^options\.ensemble/);
    expect(err({ ensemble: { weight: 1 } })).toMatch(/^options\.ensemble/);
    expect(err({ ensemble: false })).toBe('built');
    expect(err({ ensemble: {} })).toBe('built');
    for (const e of [err({ distill: undefined, ensemble: true }), err({ ensemble: { lambda: -1 } })])
      expect(e.split('\n').length).toBe(1);
  });
});
