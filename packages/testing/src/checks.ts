import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { detach, type Batch, type TappedModel, type TapValues } from '@kd/core';

/** Sum of |g| over a gradient (0 when absent). */
export function gradNorm(g: tf.Tensor | undefined): number {
  return g ? tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!) : 0;
}

/**
 * The contract check every method needs: with the teacher's forward *inside* the gradient tape but
 * its taps detached, none of the teacher's variables gets a gradient from `loss`, and the student
 * does. (`extra` are further trainable variables, e.g. a connector, included in the tape.)
 */
export function expectTeacherGetsNoGradient(args: {
  teacher: TappedModel;
  student: TappedModel;
  batch: Batch;
  loss: (student: TapValues, teacher: TapValues) => tf.Scalar;
  extra?: readonly tf.Variable[];
}): void {
  const studentVars = args.student.trainableVariables();
  const teacherVars = args.teacher.trainableVariables();
  const { grads } = tf.variableGrads(() => {
    const raw = args.teacher.forward(args.batch, { training: false });
    const tOut = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, detach(v)]));
    return args.loss(args.student.forward(args.batch, { training: true }), tOut);
  }, [...studentVars, ...(args.extra ?? []), ...teacherVars]);
  for (const v of teacherVars) expect(gradNorm(grads[v.name])).toBe(0);
  expect(studentVars.some((v) => gradNorm(grads[v.name]) > 0)).toBe(true);
  tf.dispose(Object.values(grads));
}

/** Runs `step` once (to create lazily made state), then `times` more: the tensor count must not move. */
export function expectFlatTensorCount(step: () => void, times = 5): void {
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) step();
  expect(tf.memory().numTensors).toBe(before);
}

/** The error `f` throws (fails the test when it throws none), for checks of its class and message. */
export function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
