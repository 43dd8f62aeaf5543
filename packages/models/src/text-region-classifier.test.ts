/**
 * ViLD-text's region logits and their cross-entropy against PyTorch (fixture written by
 * tools/golden/vild_text.py): cosines with [background, class text embeddings] / τ, the novel classes
 * masked (× 0) or removed in training, and the gradients w.r.t. the region and background embeddings.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { REMOVED_LOGIT, textRegionLogits, type NovelLogits } from './text-region-classifier.js';

interface Golden {
  tau: number;
  novel: number[];
  v: { shape: [number, number]; data: number[] };
  t: { shape: [number, number]; data: number[] };
  b: { shape: [number]; data: number[] };
  y: number[];
  cases: { mode: 'eval' | NovelLogits; logits: number[] | null; loss: number; gradV: number[]; gradB: number[] }[];
}
const golden = JSON.parse(
  readFileSync(new URL('../test/fixtures/vild-text.golden.json', import.meta.url), 'utf8'),
) as Golden;

/** The detection task's region loss: softmax CE over the K + 1 columns, mean over the regions. */
const crossEntropy = (logits: tf.Tensor2D, labels: number[]) =>
  tf.neg(
    tf.mean(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]), tf.logSoftmax(logits)), 1)),
  ) as tf.Scalar;

const close = (actual: ArrayLike<number>, expected: readonly number[], tolerance: number) => {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...expected.map((e, i) => Math.abs(actual[i]! - e) / Math.max(1, Math.abs(e))));
  expect(worst).toBeLessThan(tolerance);
};

describe('textRegionLogits (ViLD-text) against PyTorch', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });

  for (const c of golden.cases) {
    it(`${c.mode}: logits, the softmax CE over [bg, classes] and its gradients w.r.t. the region and background embeddings`, () => {
      tf.tidy(() => {
        const v = tf.tensor2d(golden.v.data, golden.v.shape);
        const t = tf.tensor2d(golden.t.data, golden.t.shape);
        const b = tf.tensor1d(golden.b.data);
        const options = {
          temperature: golden.tau,
          novelClasses: golden.novel,
          novel: (c.mode === 'eval' ? 'mask' : c.mode) as NovelLogits,
          training: c.mode !== 'eval',
        };
        const logits = textRegionLogits(v, t, b, options);
        if (c.logits) close(logits.dataSync(), c.logits, 2e-5);
        else {
          // remove: the novel columns are out of the softmax, the others are the evaluation logits
          const all = textRegionLogits(v, t, b, { ...options, training: false }).arraySync();
          const got = logits.arraySync();
          got.forEach((row, n) =>
            row.forEach((z, col) => {
              if (golden.novel.includes(col - 1)) expect(z).toBe(REMOVED_LOGIT);
              else expect(z).toBeCloseTo(all[n]![col]!, 4);
            }),
          );
          expect(Array.from(tf.softmax(logits).dataSync()).every(Number.isFinite)).toBe(true);
        }
        const loss = (vv: tf.Tensor, bb: tf.Tensor) =>
          crossEntropy(textRegionLogits(vv as tf.Tensor2D, t, bb as tf.Tensor1D, options), golden.y);
        expect(loss(v, b).dataSync()[0]).toBeCloseTo(c.loss, 3);
        const [gradV, gradB] = tf.grads(loss)([v, b]);
        const scale = Math.max(...c.gradV.map(Math.abs));
        close(
          Array.from(gradV!.dataSync()).map((g) => g / scale),
          c.gradV.map((g) => g / scale),
          2e-4,
        );
        const scaleB = Math.max(...c.gradB.map(Math.abs));
        close(
          Array.from(gradB!.dataSync()).map((g) => g / scaleB),
          c.gradB.map((g) => g / scaleB),
          2e-4,
        );
      });
    });
  }

  it("mask: a novel class's logit is 0 in training (not −∞), and scored like the others in evaluation", () => {
    tf.tidy(() => {
      const v = tf.tensor2d(golden.v.data, golden.v.shape);
      const t = tf.tensor2d(golden.t.data, golden.t.shape);
      const b = tf.tensor1d(golden.b.data);
      const o = { temperature: golden.tau, novelClasses: golden.novel, novel: 'mask' as const };
      const train = textRegionLogits(v, t, b, { ...o, training: true }).arraySync();
      const evaluation = textRegionLogits(v, t, b, { ...o, training: false }).arraySync();
      for (const row of train) for (const k of golden.novel) expect(Math.abs(row[k + 1]!)).toBe(0);
      for (const row of evaluation) for (const k of golden.novel) expect(Math.abs(row[k + 1]!)).toBeGreaterThan(0.01);
    });
  });
});
