import * as tf from '@tensorflow/tfjs';
import { UserError, type Batch, type DataText } from '@kd/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import { geluErf } from './mlm-transform.js';
import type { VlSceneModel } from './vl-scene-model.js';

const arch = architectures.find((a) => a.id === 'vl-scene')!;
const T = 6;
const text: DataText = {
  vocabSize: 14,
  length: T,
  classPrompts: { prompts: 1, ids: new Int32Array(3 * T), mask: new Float32Array(3 * T) },
};
const build = (options: Record<string, unknown>) =>
  arch.build({
    inputShape: [16, 16, 1],
    numClasses: 3,
    seed: 4,
    data: { name: 's', inputShape: [16, 16, 1], numClasses: 3, classNames: ['a', 'b', 'c'], text },
    options: { width: 4, regions: 3, pool: 2, layers: 1, dModel: 8, heads: 2, ffn: 16, ...options },
  }) as VlSceneModel;

const batch = (): Batch => ({
  x: tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3),
  tokens: tf.tensor2d([2, 7, 8, 9, 3, 0, 2, 10, 3, 0, 0, 0], [2, T], 'int32'),
  tokenMask: tf.tensor2d([1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0], [2, T]),
  proposals: tf.tensor3d([0, 0, 8, 8, 4, 4, 16, 12, 2, 2, 6, 14, 1, 1, 9, 9, 0, 0, 4, 4, 0, 0, 0, 0], [2, 3, 4]),
  proposalMask: tf.tensor2d([1, 1, 1, 1, 1, 0], [2, 3]),
});

const close = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

describe("vl-scene's VL-BERT options: the whole image's vector on every text token (textVisual), BERT's masked-token transform (mlmTransform)", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a new model with textVisual computes what one without it does (LN_text starts at scale 0, the other variables unchanged)', () => {
    const plain = build({});
    const visual = build({ textVisual: true });
    const shared = plain.namedVariables();
    for (const [path, v] of visual.namedVariables()) {
      if (path.startsWith('vl.textVisualNorm')) continue;
      expect(Array.from(v.dataSync()), path).toEqual(Array.from(shared.get(path)!.dataSync()));
    }
    expect([...visual.namedVariables().keys()].filter((p) => !shared.has(p)).sort()).toEqual([
      'vl.textVisualNorm.bias',
      'vl.textVisualNorm.weight',
    ]);
    tf.tidy(() => {
      const b = batch();
      const a = plain.forward(b, { training: false });
      const v = visual.forward(b, { training: false });
      expect(close(a['mlmLogits']!, v['mlmLogits']!)).toBe(0);
      // the regions tap holds the whole image first
      expect(v['regions']!.shape).toEqual([2, 4, a['regions']!.shape[2]!]);
      expect(close(tf.slice(v['regions']!, [0, 1, 0], [2, 3, -1]), a['regions']!)).toBe(0);
      // once LN_text has a scale, the text sees the image
      visual.transformer.textVisualNorm!.gamma.assign(tf.ones([8]));
      expect(close(a['text']!, visual.forward(b, { training: false })['text']!)).toBeGreaterThan(1e-3);
    });
  });

  it("forwardFrom('regions') with the whole image first gives forward's taps exactly", () => {
    const visual = build({ textVisual: true });
    visual.transformer.textVisualNorm!.gamma.assign(tf.ones([8]));
    tf.tidy(() => {
      const b = batch();
      const full = visual.forward(b, { training: false });
      const resumed = visual.forwardFrom('regions', full['regions']!, b, { training: false });
      for (const tap of ['text', 'mlmLogits', 'logits', 'layer1.attention'])
        expect(close(full[tap]!, resumed[tap]!), tap).toBe(0);
    });
  });

  it('the transformer needs the textVisual batch key when built with it', () => {
    const visual = build({ textVisual: true });
    const b = batch();
    expect(() =>
      visual.transformer.forward(
        { ...b, regions: tf.zeros([2, 3, 16]), regionBoxes: tf.zeros([2, 3, 4]) },
        { training: false },
      ),
    ).toThrow(UserError);
  });

  it('mlmTransform: mlmLogits = mlm(LayerNorm_ε=1e-12(GELU(dense(text states)))); the other variables start as without it', () => {
    const plain = build({});
    const withTransform = build({ mlmTransform: true });
    const shared = plain.namedVariables();
    for (const [path, v] of withTransform.namedVariables()) {
      if (path.startsWith('vl.mlmTransform')) continue;
      expect(Array.from(v.dataSync()), path).toEqual(Array.from(shared.get(path)!.dataSync()));
    }
    tf.tidy(() => {
      const out = withTransform.forward(batch(), { training: false });
      const vl = withTransform.transformer;
      const h = vl.mlmTransform!.dense.apply(tf.reshape(out['text']!, [-1, 8]));
      const g = geluErf(h);
      const mean = tf.mean(g, 1, true);
      const variance = tf.mean(tf.square(tf.sub(g, mean)), 1, true);
      const n = tf.add(
        tf.mul(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-12))), vl.mlmTransform!.norm.gamma),
        vl.mlmTransform!.norm.beta,
      );
      const expected = tf.reshape(vl.mlm.apply(n), out['mlmLogits']!.shape);
      expect(close(expected, out['mlmLogits']!)).toBeLessThan(1e-5);
    });
  });

  it('mlmTransform trains: every one of its variables gets a finite, non-zero gradient from the masked-token logits of [B, T] text', () => {
    const model = build({ mlmTransform: true, textVisual: true });
    const vars = [...model.namedVariables()].filter(([p]) => p.startsWith('vl.mlmTransform'));
    expect(vars.map(([p]) => p).sort()).toEqual([
      'vl.mlmTransform.dense.bias',
      'vl.mlmTransform.dense.weight',
      'vl.mlmTransform.norm.bias',
      'vl.mlmTransform.norm.weight',
    ]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(model.forward(batch(), { training: true })['mlmLogits']!)) as tf.Scalar,
      vars.map(([, v]) => v),
    );
    for (const [path, v] of vars) {
      const g = grads[v.name]!;
      expect(g.shape, path).toEqual(v.shape);
      const norm = tf.norm(g).dataSync()[0]!;
      expect(Number.isFinite(norm) && norm > 0, path).toBe(true);
    }
  });
});
