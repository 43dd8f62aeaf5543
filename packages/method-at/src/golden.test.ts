/** Golden values from PyTorch (tools/golden/at.py): attention maps, the `at` term and its gradients; ≤ 1e-5 relative. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AtMethod, atHParams } from './at.js';
import { attentionMap } from './attention.js';
import { loadFixture, participant, relErr, relErrTensor, setupContext, SpecModel, stepContext, tensorOf, type Arr } from '@kd/testing';

interface AtCase {
  name: string;
  p: number;
  beta: number;
  students: Arr[];
  teachers: Arr[];
  maps: Arr[];
  parts: number[];
  loss: number;
  grads: Arr[];
}

const golden = loadFixture<{ cases: AtCase[] }>(new URL('./__fixtures__/at.golden.json', import.meta.url));
const TOL = 1e-5;

function methodFor(c: AtCase): AtMethod {
  const feature = (a: Arr) => ({ shape: a.shape.slice(1), kind: 'feature' as const });
  const sSpecs = Object.fromEntries(c.students.map((a, i) => [`s${i}`, feature(a)]));
  const tSpecs = Object.fromEntries(c.teachers.map((a, i) => [`t${i}`, feature(a)]));
  const pairs = c.students.map((_, i) => ({ student: `s${i}`, teacher: `t${i}` }));
  const method = new AtMethod();
  method.setup(
    setupContext(
      'at',
      atHParams.parse({ pairs, p: c.p, beta: c.beta }),
      participant('teacher', 'teacher', new SpecModel(tSpecs)),
      participant('student', 'student', new SpecModel(sSpecs)),
    ),
  );
  return method;
}

describe('at golden values (PyTorch)', () => {
  for (const c of golden.cases) {
    it(c.name, () => {
      const method = methodFor(c);
      const students = c.students.map(tensorOf);
      const teacher = Object.fromEntries(c.teachers.map((a, i) => [`t${i}`, tensorOf(a)]));
      const f = (...xs: tf.Tensor[]) =>
        method.losses(stepContext(Object.fromEntries(xs.map((x, i) => [`s${i}`, x])), teacher, ['at']))['at']!;
      const errs: Record<string, number> = {};
      c.maps.forEach((m, i) => (errs[`map ${i}`] = relErrTensor(attentionMap(students[i]!, c.p), m)));
      errs['loss'] = relErr(f(...students).dataSync()[0]!, c.loss);
      const grads = tf.grads(f)(students);
      grads.forEach((g, i) => (errs[`grad ${i}`] = relErrTensor(g, c.grads[i]!)));
      console.info(`${c.name}: ${Object.entries(errs).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
      for (const [k, e] of Object.entries(errs)) expect(e, k).toBeLessThanOrEqual(TOL);
    });
  }
});
