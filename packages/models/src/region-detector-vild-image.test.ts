/**
 * region-detector's `options.distill` (ViLD-image's student side): the first M proposals of a batch
 * proposal source go through the same RoIAlign, head and projection as the regions, giving
 * `distillEmbedding` [M, D] (normalised) and `distillMask` [M]; the other taps are unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, UserError } from '@kd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VILD_DIM as D,
  distillBatch as batch,
  maxAbsDiff as maxAbs,
  textClassifierSetup,
  useWasmBackend,
} from '../test/vild-detector-fixture.js';

const { build, remove } = textClassifierSetup('vild-image', ['a', 'b', 'c']);

describe('region-detector options.distill (ViLD-image): the distillation proposals through the same head', () => {
  beforeAll(useWasmBackend);
  afterAll(remove);

  it('declares distillEmbedding [M, D] and distillMask [M], asks for the source, and keeps every other tap and value', () => {
    const plain = build({});
    const m = build({ distill: { proposals: 'biased', count: 3 } });
    const specs = m.tapSpecs();
    expect(specs['distillEmbedding']).toMatchObject({ shape: [3, D], kind: 'region' });
    expect(specs['distillMask']!.shape).toEqual([3]);
    const { distillEmbedding: _e, distillMask: _m, ...rest } = specs;
    expect(rest).toEqual(plain.tapSpecs());
    expect(m.requiredBatchKeys().map((k) => k.key)).toEqual([
      'x',
      'proposals',
      'proposalMask',
      'biasedProposals',
      'biasedProposalMask',
    ]);
    // the same source as the regions is asked for once
    expect(
      build({ distill: { proposals: '', count: 2 } })
        .requiredBatchKeys()
        .map((k) => k.key),
    ).toEqual(['x', 'proposals', 'proposalMask']);
    // with an RPN, only the distillation source is read from the batch
    expect(
      build({ rpn: { addGtBoxes: false }, distill: { proposals: 'biased', count: 3 } })
        .requiredBatchKeys()
        .map((k) => k.key),
    ).toEqual(['x', 'biasedProposals', 'biasedProposalMask']);
    tf.tidy(() => {
      const b = batch();
      const out = m.forward(b, { training: false });
      for (const [name, spec] of Object.entries(specs)) expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
      const before = plain.forward(b, { training: false });
      for (const name of Object.keys(before)) expect(maxAbs(out[name]!, before[name]!), name).toBe(0);
      expect(Array.from(out['distillMask']!.dataSync())).toEqual([1, 1, 0, 1, 0, 0]);
      const norms = tf.norm(out['distillEmbedding']!, 'euclidean', -1).dataSync();
      for (const n of norms) expect(n).toBeCloseTo(1, 5);
      // computed only when asked for
      expect(Object.keys(m.forward(b, { training: true, taps: new Set(['regionLogits']) })).sort()).toEqual([
        'logits',
        'regionLogits',
      ]);
    });
    plain.dispose();
    m.dispose();
  });

  it("equals regionVisualEmbedding when the distillation proposals are the regions' (same RoIAlign, head and projection)", () => {
    const m = build({ distill: { proposals: '', count: 3 } });
    tf.tidy(() => {
      const out = m.forward(batch(), { training: true });
      expect(maxAbs(out['distillEmbedding']!, out['regionVisualEmbedding']!)).toBeLessThan(1e-6);
      expect(Array.from(out['distillMask']!.dataSync())).toEqual(Array.from(out['regionMask']!.dataSync()));
    });
    m.dispose();
  });

  it('passes a gradient from distillEmbedding to the backbone, head and projection (not the background); flat tensor count', () => {
    const m = build({ distill: { proposals: 'biased', count: 4 } });
    const vars = m.namedParameters();
    const b = batch();
    const target = tf.randomNormal([2, 4, D], 0, 1, 'float32', 8);
    const loss = () => {
      const out = m.forward(b, { training: true, taps: new Set(['distillEmbedding', 'distillMask']) });
      const l1 = tf.sum(tf.abs(tf.sub(out['distillEmbedding']!, target)), -1);
      return tf.sum(tf.mul(l1, out['distillMask']!)) as tf.Scalar;
    };
    tf.dispose(tf.variableGrads(loss, [...vars.values()]).grads);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(loss, [...vars.values()]);
    const norm = (k: string) => {
      const g = grads[vars.get(k)!.name];
      return g ? tf.tidy(() => tf.norm(g).dataSync()[0]!) : 0;
    };
    for (const k of ['conv1.weight', 'head.conv1.weight', 'head.fc.weight', 'textClassifier.projection.weight'])
      expect(norm(k), k).toBeGreaterThan(0);
    expect(norm('textClassifier.background')).toBe(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([target, ...Object.values(b)]);
    m.dispose();
  });

  it('errors: without the text classifier, a bad option, too few proposals or a missing source (one line)', () => {
    const err = (options: Record<string, unknown>) => {
      try {
        build(options).dispose();
      } catch (e) {
        if (e instanceof ConfigError) return e.path;
        throw e;
      }
      return 'built';
    };
    expect(err({ classifier: undefined, distill: {} })).toBe('options.distill');
    expect(err({ distill: { count: 0 } })).toMatch(/^options\.distill/);
    expect(err({ distill: { other: 1 } })).toBe('options.distill');
    expect(err({ distill: {} })).toBe('built');
    const many = build({ distill: { proposals: 'biased', count: 5 } });
    expect(() => many.forward(batch(), { training: true })).toThrow(UserError);
    expect(() => many.forward(batch(), { training: true })).toThrow(
      /4 proposals per image, the model takes regions: 5/,
    );
    const absent = build({ distill: { proposals: 'objects', count: 2 } });
    expect(() => absent.forward(batch(), { training: true })).toThrow(
      /has no 'objectsProposals'\/'objectsProposalMask'/,
    );
    many.dispose();
    absent.dispose();
  });
});
