/** WSDDN's scores and loss against PyTorch (tools/golden/wsd_kd.py: the official Caffe layers written out). */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wsddnCrossEntropy, wsddnImageScores, wsddnRegionScores } from './wsddn-scores.js';

interface Golden {
  B: number;
  R: number;
  K: number;
  classLogits: number[];
  detectionLogits: number[];
  mask: number[];
  labels: number[];
  scores: Record<string, number[]>;
  wsddnLoss: { scores: number[]; value: number; grad: number[] };
  wsddnLossClipped: { scores: number[]; value: number; grad: number[] };
}
const g = JSON.parse(readFileSync(new URL('../test/fixtures/wsddn.golden.json', import.meta.url), 'utf8')) as Golden;
const { B, R, K } = g;
const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-5) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) =>
    expect(Math.abs(actual[i]! - e), `[${i}]`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e))),
  );
};

describe('WSDDN scores and loss: golden values (PyTorch, the official Caffe layers)', () => {
  const mc = () => tf.tensor3d(g.classLogits, [B, R, K]);
  const md = () => tf.tensor3d(g.detectionLogits, [B, R, K]);
  const mask = () => tf.tensor2d(g.mask, [B, R]);

  for (const key of Object.keys(g.scores)) {
    const [tc, td] = key.split(',').map(Number) as [number, number];
    it(`image scores Σ_r softmax_k(M^c/${tc}) · softmax_r(M^d/${td}) over the real regions`, () => {
      const s = tf.tidy(() => wsddnImageScores(mc(), md(), mask(), { classes: tc, regions: td }).dataSync());
      close(s, g.scores[key]!);
    });
  }

  it('padded regions score 0 and the image scores stay in (0, 1)', () => {
    tf.tidy(() => {
      const r = wsddnRegionScores(mc(), md(), mask()).arraySync();
      expect(r[1]![3]!.every((v) => v === 0)).toBe(true);
      expect(r[2]![1]!.every((v) => v === 0)).toBe(true);
      const s = wsddnImageScores(mc(), md(), mask()).dataSync();
      expect(Math.min(...s)).toBeGreaterThan(0);
      expect(Math.max(...s)).toBeLessThan(1);
    });
  });

  for (const [name, c] of [
    ['on its own scores', g.wsddnLoss],
    ['at 0, 1 and within 1e-4 of them (the straight-through clip)', g.wsddnLossClipped],
  ] as const) {
    it(`clipped cross-entropy ${name}: value / batch and the layer's gradient`, () => {
      const y = tf.tensor2d(g.labels, [B, K]);
      const s = tf.tensor2d(c.scores, [B, K]);
      const { value, grads } = tf.valueAndGrads((p: tf.Tensor) => wsddnCrossEntropy(p as tf.Tensor2D, y))([s]);
      expect(Math.abs(value.dataSync()[0]! - c.value)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(c.value)));
      close(grads[0]!.dataSync(), c.grad);
      tf.dispose([y, s, value, ...grads]);
    });
  }

  it('leaks no tensor', () => {
    const y = tf.tensor2d(g.labels, [B, K]);
    const s = tf.tensor2d(g.wsddnLoss.scores, [B, K]);
    const once = () => tf.tidy(() => tf.grad((p: tf.Tensor) => wsddnCrossEntropy(p as tf.Tensor2D, y))(s)).dispose();
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([y, s]);
  });
});
