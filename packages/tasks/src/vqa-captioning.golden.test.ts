import * as tf from '@tensorflow/tfjs';
import { loadFixture, relErr, stepContext } from '@kd/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerBinaryCrossEntropy } from './answer-bce.js';
import { CaptioningTask } from './captioning.js';
import { nextTokenCrossEntropy } from './next-token-loss.js';
import { VqaTask } from './vqa.js';

interface Golden {
  vqa: { logits: number[]; shape: [number, number]; scores: number[]; sum: number; mean: number; gradSum: number[] };
  captioning: {
    logits: number[];
    shape: [number, number, number];
    tokens: number[];
    mask: number[];
    loss: number;
    grad: number[];
  };
}
const g = loadFixture<Golden>(new URL('./__fixtures__/vqa-captioning.golden.json', import.meta.url));

const maxRel = (a: ArrayLike<number>, e: readonly number[]) => {
  let num = 0;
  let den = 0;
  e.forEach((v, i) => {
    num = Math.max(num, Math.abs(a[i]! - v));
    den = Math.max(den, Math.abs(v));
  });
  return num / den;
};

describe('vqa and captioning losses match PyTorch (tools/golden/vqa_captioning.py)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('answer BCE: BCE-with-logits × A (sum) and plain mean, and the gradient of the sum', () => {
    const logits = tf.tensor2d(g.vqa.logits, g.vqa.shape);
    const scores = tf.tensor2d(g.vqa.scores, g.vqa.shape);
    expect(relErr(answerBinaryCrossEntropy(logits, scores).dataSync()[0]!, g.vqa.sum)).toBeLessThan(1e-5);
    expect(relErr(answerBinaryCrossEntropy(logits, scores, 'mean').dataSync()[0]!, g.vqa.mean)).toBeLessThan(1e-5);
    const grad = tf.grad((x: tf.Tensor) => answerBinaryCrossEntropy(x, scores))(logits);
    expect(maxRel(grad.dataSync(), g.vqa.gradSum)).toBeLessThan(1e-5);
    // the task's term is that loss on the student's logits and the batch's answerScores
    const term = new VqaTask().losses(stepContext({ logits }, undefined, ['bce'], { x: logits, answerScores: scores }))[
      'bce'
    ]!;
    expect(relErr(term.dataSync()[0]!, g.vqa.sum)).toBeLessThan(1e-5);
  });

  it('captioning: position i predicts token i+1, padding ignored, mean over real targets; and its gradient', () => {
    const logits = tf.tensor3d(g.captioning.logits, g.captioning.shape);
    const [n, t] = g.captioning.shape;
    const tokens = tf.tensor2d(g.captioning.tokens, [n, t], 'int32');
    const mask = tf.tensor2d(g.captioning.mask, [n, t]);
    expect(relErr(nextTokenCrossEntropy(logits, tokens, mask).dataSync()[0]!, g.captioning.loss)).toBeLessThan(1e-5);
    const grad = tf.grad((x: tf.Tensor) => nextTokenCrossEntropy(x, tokens, mask))(logits);
    expect(maxRel(grad.dataSync(), g.captioning.grad)).toBeLessThan(1e-5);
    const term = new CaptioningTask().losses(
      stepContext({ mlmLogits: logits }, undefined, ['ce'], { x: logits, tokens, tokenMask: mask }),
    )['ce']!;
    expect(relErr(term.dataSync()[0]!, g.captioning.loss)).toBeLessThan(1e-5);
  });

  it('a batch with no target token gives 0, not NaN', () => {
    const l = nextTokenCrossEntropy(
      tf.zeros([1, 3, 4]),
      tf.tensor2d([[2, 0, 0]], [1, 3], 'int32'),
      tf.tensor2d([[1, 0, 0]]),
    );
    expect(l.dataSync()[0]).toBe(0);
  });
});
