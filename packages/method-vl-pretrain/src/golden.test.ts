import * as tf from '@tensorflow/tfjs';
import { loadFixture, relErr } from '@kd/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskedTokenLoss, matchingLoss } from './pretraining-losses.js';

interface Golden {
  mlm: { logits: number[]; shape: [number, number, number]; targets: number[]; loss: number; grad: number[] };
  itm: {
    positive: number[];
    negative: number[];
    negativeLabels: number[];
    loss: number;
    gradPositive: number[];
    gradNegative: number[];
  };
}
const g = loadFixture<Golden>(new URL('./__fixtures__/vl-pretrain.golden.json', import.meta.url));

const maxRel = (a: ArrayLike<number>, e: readonly number[]) => {
  let num = 0;
  let den = 0;
  e.forEach((v, i) => {
    num = Math.max(num, Math.abs(a[i]! - v));
    den = Math.max(den, Math.abs(v));
  });
  return num / den;
};

describe('vl-pretrain losses match PyTorch (tools/golden/vl_pretrain.py)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('masked-token loss: cross-entropy over the predicted positions only (ignore_index), and its gradient', () => {
    const logits = tf.tensor3d(g.mlm.logits, g.mlm.shape);
    const targets = Int32Array.from(g.mlm.targets);
    const loss = maskedTokenLoss(logits, targets);
    expect(relErr(loss.dataSync()[0]!, g.mlm.loss)).toBeLessThan(1e-5);
    const grad = tf.grad((x: tf.Tensor) => maskedTokenLoss(x, targets))(logits);
    expect(maxRel(grad.dataSync(), g.mlm.grad)).toBeLessThan(1e-5);
    tf.dispose([logits, loss, grad]);
  });

  it('image–text matching loss over matched and shifted pairs, and its gradients', () => {
    const pos = tf.tensor2d(g.itm.positive, [3, 2]);
    const neg = tf.tensor2d(g.itm.negative, [3, 2]);
    const labels = Int32Array.from(g.itm.negativeLabels);
    const loss = matchingLoss(pos, neg, labels);
    expect(relErr(loss.dataSync()[0]!, g.itm.loss)).toBeLessThan(1e-5);
    const [gp, gn] = tf.grads((p: tf.Tensor, n: tf.Tensor) => matchingLoss(p, n, labels))([pos, neg]);
    expect(maxRel(gp!.dataSync(), g.itm.gradPositive)).toBeLessThan(1e-5);
    expect(maxRel(gn!.dataSync(), g.itm.gradNegative)).toBeLessThan(1e-5);
    tf.dispose([pos, neg, loss, gp!, gn!]);
  });

  it('a batch with nothing to predict gives 0, not NaN', () => {
    const l = maskedTokenLoss(tf.zeros([1, 2, 3]), Int32Array.of(-1, -1));
    expect(l.dataSync()[0]).toBe(0);
  });
});
