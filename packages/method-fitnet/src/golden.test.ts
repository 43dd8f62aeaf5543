/**
 * Golden values from PyTorch (tools/golden/kd_fitnet.py): the hint loss through the connector
 * (conv → BN in training mode → ReLU), its gradients with respect to the student feature and the
 * connector's parameters, and the BN running statistics after the step; ≤ 1e-5 relative.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConnectorKind } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { FitnetMethod, fitnetHParams } from './fitnet.js';
import {
  loadFixture,
  participant,
  relErr,
  relErrTensor,
  setupContext,
  SpecModel,
  stepContext,
  tensorOf,
  type Arr,
} from '@kd/testing';

interface FitnetCase {
  name: string;
  kind: ConnectorKind;
  kernel: number;
  stride: number;
  padding: number;
  student: Arr;
  teacher: Arr;
  weights: Record<string, Arr>;
  loss: number;
  grads: Record<string, Arr>;
  runningAfter?: Record<string, Arr>;
}

const golden = loadFixture<{ cases: FitnetCase[] }>(new URL('./__fixtures__/fitnet.golden.json', import.meta.url));
const TOL = 1e-5;
const maxAbs = (xs: readonly number[]) => xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

function methodFor(c: FitnetCase): FitnetMethod {
  const feature = (shape: number[]) => ({ shape: shape.slice(1), kind: 'feature' as const });
  const teacher = participant('teacher', 'teacher', new SpecModel({ hint: feature(c.teacher.shape) }));
  const student = participant('student', 'student', new SpecModel({ guided: feature(c.student.shape) }));
  const hp = fitnetHParams.parse({ studentTap: 'guided', teacherTap: 'hint', connector: c.kind, hintEpochs: 0 });
  const method = new FitnetMethod();
  method.setup(setupContext('fitnet', hp, teacher, student));
  return method;
}

describe('fitnet golden values (PyTorch)', () => {
  for (const c of golden.cases) {
    it(c.name, () => {
      const method = methodFor(c);
      const conn = method.connector;
      expect(conn.geometry).toMatchObject({ kernel: c.kernel, stride: c.stride, padding: c.padding });
      const vars = new Map([...conn.namedVariables()]);
      expect(new Set(Object.keys(c.weights))).toEqual(new Set([...conn.namedParameters().keys()]));
      for (const [path, w] of Object.entries(c.weights)) vars.get(path)!.assign(tensorOf(w));

      const xs = tensorOf(c.student);
      const ft = tensorOf(c.teacher);
      const f = (x: tf.Tensor) => method.losses(stepContext({ guided: x }, { hint: ft }, ['hint']))['hint']!;

      const errs: Record<string, number> = {};
      errs['loss'] = relErr(f(xs).dataSync()[0]!, c.loss);
      if (c.runningAfter) {
        // one training-mode pass so far: running stats updated once with momentum 0.1
        for (const [path, want] of Object.entries(c.runningAfter)) errs[path] = relErrTensor(vars.get(path)!, want);
      }
      errs['grad student'] = relErrTensor(tf.grad(f)(xs), c.grads['student']!);
      const params = [...conn.namedParameters()];
      const { grads } = tf.variableGrads(
        () => f(xs),
        params.map(([, v]) => v),
      );
      // Relative to the scale of the weight gradient when the reference is zero: a conv bias followed
      // by training-mode BN gets an exactly zero gradient (BN removes the per-channel mean); torch
      // gives ~1e-17 and float32 rounding ~1e-8, so a relative error of the bias alone is noise.
      const scale = maxAbs(c.grads['conv.weight']!.data);
      for (const [path, v] of params) {
        const want = c.grads[path]!;
        errs[`grad ${path}`] =
          maxAbs(want.data) < 1e-10 * scale
            ? maxAbs(Array.from(grads[v.name]!.dataSync())) / scale
            : relErrTensor(grads[v.name]!, want);
      }

      console.info(
        `${c.name}: ${Object.entries(errs)
          .map(([k, e]) => `${k} ${e.toExponential(1)}`)
          .join(', ')}`,
      );
      for (const [k, e] of Object.entries(errs)) expect(e, k).toBeLessThanOrEqual(TOL);
    });
  }
});
