/** Golden values from PyTorch (tools/golden/kd_fitnet.py), compared to ≤ 1e-5 relative. */
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, softTargetKL } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { KdMethod } from './kd.js';
import { loadFixture, relErr, relErrTensor, stepContext, tensorOf, type Arr } from '@kd/testing';

interface KdGolden {
  student: Arr;
  teacher: Arr;
  labels: number[];
  kd: { T: number; loss: number; gradStudent: Arr }[];
  crossEntropy: { loss: number; gradStudent: Arr };
}

const golden = loadFixture<KdGolden>(new URL('./__fixtures__/kd.golden.json', import.meta.url));
const TOL = 1e-5;

describe('kd golden values (PyTorch)', () => {
  for (const c of golden.kd) {
    it(`soft term and its gradient at T=${c.T}`, () => {
      const s = tensorOf(golden.student);
      const t = tensorOf(golden.teacher);
      const method = new KdMethod();
      method.setup({ hparams: { T: c.T }, tap: () => ({ shape: [10], kind: 'logits' }) } as never);
      const f = (x: tf.Tensor) => method.losses(stepContext({ logits: x }, { logits: t }, ['soft']))['soft']!;
      const value = f(s).dataSync()[0]!;
      const grad = tf.grad(f)(s);
      const errValue = relErr(value, c.loss);
      const errGrad = relErrTensor(grad, c.gradStudent);
      expect(errValue).toBeLessThanOrEqual(TOL);
      expect(errGrad).toBeLessThanOrEqual(TOL);
      // core's primitive gives the same value
      expect(relErr(softTargetKL(s, t, c.T).dataSync()[0]!, c.loss)).toBeLessThanOrEqual(TOL);
      console.info(`kd T=${c.T}: loss rel err ${errValue.toExponential(2)}, grad rel err ${errGrad.toExponential(2)}`);
    });
  }

  it('cross-entropy and its gradient', () => {
    const s = tensorOf(golden.student);
    const y = tf.tensor1d(golden.labels, 'int32');
    const f = (x: tf.Tensor) => crossEntropy(x, y);
    const errValue = relErr(f(s).dataSync()[0]!, golden.crossEntropy.loss);
    const errGrad = relErrTensor(tf.grad(f)(s), golden.crossEntropy.gradStudent);
    expect(errValue).toBeLessThanOrEqual(TOL);
    expect(errGrad).toBeLessThanOrEqual(TOL);
    console.info(`ce: loss rel err ${errValue.toExponential(2)}, grad rel err ${errGrad.toExponential(2)}`);
  });
});
