import * as tf from '@tensorflow/tfjs';
import { VlTransformer } from '@kd/models';
import { loadFixture, tensorOf, type Arr } from '@kd/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { greedyCaptions } from './greedy-captions.js';

interface Golden {
  config: {
    vocabSize: number;
    textLength: number;
    regions: number;
    regionFeatures: number;
    dModel: number;
    heads: number;
    ffn: number;
    layers: number;
    numClasses: number;
    ids: { pad: number; cls: number; sep: number };
  };
  params: Record<string, Arr>;
  regions: Arr;
  boxes: Arr;
  regionMask: Arr;
  ids: number[];
  stepLogits: Arr[];
}
const g = loadFixture<Golden>(new URL('./__fixtures__/greedy-decoding.golden.json', import.meta.url));

/** The fixture's weights in a causal VlTransformer (post-norm, GELU: PyTorch's TransformerEncoderLayer). */
function referenceModel(): VlTransformer {
  const { ids: _ids, ...c } = g.config;
  const model = new VlTransformer({
    ...c,
    predicates: 0,
    normFirst: false,
    activation: 'gelu',
    textAttention: 'causal',
    seed: 0,
  });
  const params = model.namedParameters();
  expect([...params.keys()].sort()).toEqual(Object.keys(g.params).sort());
  for (const [path, v] of params) v.assign(tensorOf(g.params[path]!));
  return model;
}

describe('greedy caption decoding matches PyTorch on a fixed tiny VL transformer (tools/golden/greedy_decoding.py)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the same ids ([SEP] ends a caption, [PAD] after it) and, at every step, the same logits at the decoded position', () => {
    const model = referenceModel();
    const b = g.regionMask.shape[0]!;
    const t = g.config.textLength;
    const batch = {
      x: tf.zeros([b, 1]),
      tokens: tf.zeros([b, t], 'int32'),
      tokenMask: tf.zeros([b, t]),
      regions: tensorOf(g.regions),
      regionBoxes: tensorOf(g.boxes),
      regionMask: tensorOf(g.regionMask),
    };
    // the rows end at different steps: some with [SEP], some fill the length
    expect(g.ids.filter((id) => id === g.config.ids.sep).length).toBeGreaterThan(0);
    expect(Array.from(greedyCaptions(model, batch, g.config.ids))).toEqual(g.ids);

    // replay the decoded prefixes: each step's logits at its position, as PyTorch computed them; a
    // caption's tokens are real up to its first [SEP] or [PAD] (included), padding after it
    const last = Array.from({ length: b }, (_, r) => {
      const row = g.ids.slice(r * t, (r + 1) * t);
      const end = row.findIndex((id, i) => i > 0 && (id === g.config.ids.sep || id === g.config.ids.pad));
      return end < 0 ? t - 1 : end;
    });
    g.stepLogits.forEach((expected, pos) => {
      const real = (i: number) => i % t <= Math.min(pos, last[Math.floor(i / t)]!);
      const tokens = Int32Array.from(g.ids, (id, i) => (real(i) ? id : g.config.ids.pad));
      const mask = Float32Array.from(g.ids, (_, i) => (real(i) ? 1 : 0));
      const logits = tf.tidy(() => {
        const out = model.forward(
          { ...batch, tokens: tf.tensor2d(tokens, [b, t], 'int32'), tokenMask: tf.tensor2d(mask, [b, t]) },
          { training: false, taps: new Set(['mlmLogits']) },
        )['mlmLogits']!;
        return tf.reshape(tf.slice(out, [0, pos, 0], [b, 1, g.config.vocabSize]), [b, g.config.vocabSize]);
      });
      const a = logits.dataSync();
      const scale = Math.max(...expected.data.map(Math.abs));
      const err = Math.max(...expected.data.map((v, i) => Math.abs(a[i]! - v)));
      expect(err / scale, `step ${pos}`).toBeLessThan(1e-4);
    });
  });
});
