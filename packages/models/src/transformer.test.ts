import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TappedModel } from '@kd/core';
import { architectures } from './architectures/index.js';
import { build } from '../test/helpers.js';

const reference = JSON.parse(readFileSync(new URL('../tools/param-counts.json', import.meta.url), 'utf8')) as {
  counts: Record<string, Record<string, number>>;
};
const transformer = architectures.find((a) => a.id === 'transformer')!;

describe('transformer classifier', () => {
  const built: TappedModel[] = [];
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });
  afterAll(() => built.forEach((m) => m.dispose()));
  const small = (options: Record<string, unknown> = {}) => {
    const m = build(transformer, [6, 5], { layers: 2, dModel: 8, heads: 2, ffn: 16, ...options }, 3, 4);
    built.push(m);
    return m;
  };

  it('has the parameter count of its PyTorch twin (post- and pre-norm)', () => {
    const post = build(transformer, [48, 32], {}, 1, 10);
    const pre = build(transformer, [48, 32], { normFirst: true }, 1, 10);
    built.push(post, pre);
    expect(post.paramCount()).toBe(reference.counts.transformer!['in48x32']);
    expect(pre.paramCount()).toBe(reference.counts.transformer!['in48x32-prenorm']);
  });

  it('declares and returns per-layer hidden states and attention probabilities', () => {
    const m = small();
    const specs = m.tapSpecs();
    expect(specs['layer2']).toMatchObject({ shape: [6, 8], kind: 'hidden' });
    expect(specs['layer1.attention']).toMatchObject({ shape: [2, 6, 6], kind: 'attention' });
    tf.tidy(() => {
      const out = m.forward(
        { x: tf.randomNormal([3, 6, 5], 0, 1, 'float32', 1), y: tf.zeros([3], 'int32') },
        { training: true },
      );
      expect(out['layer2']!.shape).toEqual([3, 6, 8]);
      expect(out['layer1.attention']!.shape).toEqual([3, 2, 6, 6]);
      expect(out['logits']!.shape).toEqual([3, 4]);
      expect(Object.keys(out).sort()).toEqual(Object.keys(specs).sort());
      for (const [name, spec] of Object.entries(specs))
        expect([name, out[name]!.shape]).toEqual([name, [3, ...spec.shape]]);
      // probabilities: each query's row sums to 1
      const rows = tf.sum(out['layer1.attention']!, -1).dataSync();
      for (const r of rows) expect(r).toBeCloseTo(1, 5);
    });
  });

  it('a key-padding mask gives padded keys zero probability and leaves kept tokens unchanged', () => {
    const m = small({ normFirst: true, activation: 'gelu' });
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 5], 0, 1, 'float32', 2);
      const mask = tf.tensor2d(
        [
          [1, 1, 1, 1, 0, 0],
          [1, 1, 1, 1, 1, 1],
        ],
        [2, 6],
        'int32',
      );
      const masked = m.forward({ x, y: tf.zeros([2], 'int32'), mask } as never, { training: false });
      const probs = masked['layer1.attention']!.arraySync() as number[][][][];
      for (const head of probs[0]!) for (const row of head) expect(row[4]! + row[5]!).toBeLessThan(1e-6);
      // the padded tokens' contents do not matter to the kept ones
      const x2 = tf.concat([tf.slice(x, [0, 0, 0], [2, 4, 5]), tf.mul(tf.slice(x, [0, 4, 0], [2, 2, 5]), 7)], 1);
      const again = m.forward({ x: x2, y: tf.zeros([2], 'int32'), mask } as never, { training: false });
      const a = tf.slice(masked['layer2']!, [0, 0, 0], [1, 4, 8]);
      const b = tf.slice(again['layer2']!, [0, 0, 0], [1, 4, 8]);
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
      // and the pooled embedding ignores them
      const ea = tf.slice(masked['embedding']!, [0, 0], [1, 8]);
      const eb = tf.slice(again['embedding']!, [0, 0], [1, 8]);
      expect(tf.max(tf.abs(tf.sub(ea, eb))).dataSync()[0]).toBeLessThan(1e-5);
    });
  });

  it('every parameter gets a finite, non-zero gradient on wasm', () => {
    const m = small();
    const vars = [...m.namedParameters().values()];
    tf.tidy(() => {
      const x = tf.randomNormal([3, 6, 5], 0, 1, 'float32', 3);
      const { grads } = tf.variableGrads(
        () =>
          tf.sum(tf.square(m.forward({ x, y: tf.zeros([3], 'int32') }, { training: true })['logits']!)) as tf.Scalar,
        vars,
      );
      expect(Object.keys(grads)).toHaveLength(vars.length);
      for (const g of Object.values(grads)) {
        const v = g.dataSync();
        expect(v.every(Number.isFinite)).toBe(true);
        expect(v.some((e) => e !== 0)).toBe(true);
      }
    });
  });

  it('rejects an image-shaped input and heads that do not divide dModel', () => {
    expect(() => build(transformer, [28, 28, 1])).toThrow(/\[tokens, features\]/);
    expect(() => build(transformer, [6, 5], { dModel: 10, heads: 4 })).toThrow(/not divisible/);
  });
});
