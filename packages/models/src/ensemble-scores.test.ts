/**
 * ViLD-ensemble's region scores against PyTorch (fixture written by tools/golden/vild_ensemble.py,
 * which forms them as the official postprocess does: the cube root of p_img · p_txt · (base/novel
 * mix), background dropped without renormalising), and for another λ.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENSEMBLE_LAMBDA, ensembleScores } from './ensemble-scores.js';

interface Golden {
  novel: number[];
  textLogits: { shape: [number, number]; data: number[] };
  imageLogits: { shape: [number, number]; data: number[] };
  background: number[];
  cases: { lambda: number; form: string; scores: number[] }[];
}
const golden = JSON.parse(
  readFileSync(new URL('../test/fixtures/vild-ensemble.golden.json', import.meta.url), 'utf8'),
) as Golden;

const close = (actual: ArrayLike<number>, expected: readonly number[], tolerance: number) => {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...expected.map((e, i) => Math.abs(actual[i]! - e) / Math.max(1e-3, Math.abs(e))));
  expect(worst).toBeLessThan(tolerance);
};

describe('ensembleScores (ViLD-ensemble) against PyTorch', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });

  it('the default λ is the official cube root (2/3)', () => {
    expect(ENSEMBLE_LAMBDA).toBeCloseTo(golden.cases[0]!.lambda, 15);
  });

  for (const c of golden.cases) {
    it(`λ ${c.lambda.toFixed(3)} (${c.form}): column 0 the text background probability, then the class scores`, () => {
      const [n, columns] = golden.textLogits.shape;
      const k = columns - 1;
      tf.tidy(() => {
        const text = tf.tensor2d(golden.textLogits.data, golden.textLogits.shape);
        const image = tf.tensor2d(golden.imageLogits.data, golden.imageLogits.shape);
        const scores = ensembleScores(text, image, golden.novel, c.lambda);
        expect(scores.shape).toEqual([n, columns]);
        const values = scores.arraySync();
        close(
          values.map((row) => row[0]!),
          golden.background,
          1e-5,
        );
        close(
          values.flatMap((row) => row.slice(1)),
          c.scores,
          1e-5,
        );
        expect(values.flatMap((row) => row.slice(1)).length).toBe(n * k);
      });
    });
  }

  it('λ 1: text probabilities on base classes, image probabilities on novel ones; mismatched shapes throw', () => {
    tf.tidy(() => {
      const text = tf.tensor2d([[0, 1, 2, 3]]);
      const image = tf.tensor2d([[3, -1, 0]]);
      const scores = ensembleScores(text, image, [1], 1).dataSync();
      const pt = tf.softmax(text).dataSync();
      const pi = tf.softmax(image).dataSync();
      expect(scores[1]).toBeCloseTo(pt[1]!, 6);
      expect(scores[2]).toBeCloseTo(pi[1]!, 6);
      expect(scores[3]).toBeCloseTo(pt[3]!, 6);
      expect(() => ensembleScores(text, tf.zeros([1, 4]) as tf.Tensor2D, [], 0.5)).toThrow(/expected \[1, 3\]/);
    });
  });
});
