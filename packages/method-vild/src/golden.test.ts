/** Golden values from PyTorch (tools/golden/vild_image.py, the official code's reduction), compared to ≤ 1e-5 relative. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadFixture, relErr, relErrTensor, stepContext, tensorOf, type Arr } from '@kd/testing';
import { VildMethod, vildHParams } from './vild.js';
import { l2NormalizeRows, vildImageLoss } from './vild-image-loss.js';

interface Case {
  name: string;
  normalizeTeacher: boolean;
  projected: Arr;
  teacher: Arr;
  mask: Arr;
  loss: number;
  gradProjected: Arr;
}

const golden = loadFixture<{ cases: Case[] }>(new URL('./__fixtures__/vild-image.golden.json', import.meta.url));
const TOL = 1e-5;

describe('vild image term: golden values (PyTorch)', () => {
  for (const c of golden.cases) {
    it(`${c.name}: the loss and its gradient through the student's normalisation`, () => {
      const projected = tensorOf(c.projected);
      const teacher = tensorOf(c.teacher);
      const mask = tensorOf(c.mask);
      const method = new VildMethod();
      method.setup({
        hparams: vildHParams.parse({ normalizeTeacher: c.normalizeTeacher }),
        tap: (_role: string, tap: string) => ({
          shape: tap === 'distillMask' ? [c.mask.shape[1]] : c.projected.shape.slice(1),
          kind: 'region',
        }),
      } as never);
      const f = (p: tf.Tensor) =>
        method.losses(
          stepContext({ distillEmbedding: l2NormalizeRows(p), distillMask: mask }, { regionEmbedding: teacher }, [
            'image',
          ]),
        )['image']!;
      const value = f(projected).dataSync()[0]!;
      const grad = tf.grad(f)(projected);
      if (c.loss === 0) {
        // no valid proposal: 0 and no gradient (the official SUM_BY_NONZERO_WEIGHTS gives 0 too)
        expect(value).toBe(0);
        expect(Math.max(...Array.from(grad.dataSync()).map(Math.abs))).toBe(0);
        return;
      }
      const errValue = relErr(value, c.loss);
      const errGrad = relErrTensor(grad, c.gradProjected);
      expect(errValue).toBeLessThanOrEqual(TOL);
      expect(errGrad).toBeLessThanOrEqual(TOL);
      // the function alone gives the same value
      const direct = vildImageLoss(l2NormalizeRows(projected), mask, teacher, c).dataSync()[0]!;
      expect(relErr(direct, c.loss)).toBeLessThanOrEqual(TOL);
      console.info(
        `vild ${c.name}: loss rel err ${errValue.toExponential(2)}, grad rel err ${errGrad.toExponential(2)}`,
      );
    });
  }
});
