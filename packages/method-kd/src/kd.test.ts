import * as tf from '@tensorflow/tfjs';
import { describeHParams, MissingTapError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { kdDescriptor } from './descriptor.js';
import { KdMethod, kdHParams } from './kd.js';
import { gradNorm, participant, setupContext, stepContext, TinyNet, expectTeacherGetsNoGradient } from '@kd/testing';

function tinyRun(T = 4) {
  const teacherModel = new TinyNet(8, 8, 5, 1);
  const studentModel = new TinyNet(4, 8, 5, 2);
  const teacher = participant('teacher', 'teacher', teacherModel);
  const student = participant('student', 'student', studentModel);
  const method = new KdMethod();
  method.setup(setupContext('kd', kdHParams.parse({ T }), teacher, student));
  const batch = { x: tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 3), y: tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32') };
  return { teacherModel, studentModel, method, batch };
}

describe('kd descriptor and hyperparameters', () => {
  it('lists T with default 4', () => {
    const docs = describeHParams(kdDescriptor.hparams);
    const t = docs.find((d) => d.name === 'T');
    expect(t).toBeDefined();
    expect(t!.default).toBe(4);
    expect(t!.type).toBe('number');
    expect(t!.description).toMatch(/temperature/i);
    expect(kdDescriptor.hparams.parse({})).toEqual({ T: 4 });
  });

  it('declares the soft term with weight 0.9 and no aux modules', () => {
    expect(kdDescriptor.id).toBe('kd');
    expect(kdDescriptor.terms).toEqual([expect.objectContaining({ name: 'soft', defaultWeight: 0.9 })]);
    const m = new KdMethod();
    expect(m.auxModules()).toEqual([]);
    expect(m.requiredTaps()).toEqual([
      { role: 'teacher', tap: 'logits' },
      { role: 'student', tap: 'logits' },
    ]);
  });

  it('rejects a non-positive temperature', () => {
    expect(() => kdHParams.parse({ T: 0 })).toThrow();
  });
});

describe('kd losses', () => {
  it('is zero when the student equals the teacher, positive otherwise', () => {
    const t = tf.randomNormal([3, 5]);
    const m = new KdMethod();
    m.setup({ hparams: { T: 2 }, tap: () => ({ shape: [5], kind: 'logits' }) } as never);
    expect(m.losses(stepContext({ logits: t }, { logits: t }, ['soft']))['soft']!.dataSync()[0]).toBeCloseTo(0, 6);
    expect(
      m.losses(stepContext({ logits: tf.randomNormal([3, 5]) }, { logits: t }, ['soft']))['soft']!.dataSync()[0],
    ).toBeGreaterThan(0);
  });

  it('throws a MissingTapError naming the tap when a model lacks logits', () => {
    const m = new KdMethod();
    const ctx = setupContext(
      'kd',
      { T: 4 },
      participant('teacher', 'teacher', new TinyNet(4, 8, 5, 1)),
      participant('student', 'student', new TinyNet(4, 8, 5, 2)),
    );
    const noLogits = {
      ...ctx,
      tap: (role: 'teacher' | 'student', tap: string) => {
        if (role === 'teacher' && tap === 'logits') throw new MissingTapError('kd', 'teacher', tap, ['stage1']);
        return ctx.tap(role, tap);
      },
    };
    expect(() => m.setup(noLogits)).toThrow(MissingTapError);
    expect(() => m.setup(noLogits)).toThrow(/'logits'/);
  });

  it('gives the student non-zero gradients and the teacher none', () => {
    const { teacherModel, studentModel, method, batch } = tinyRun();
    const studentVars = studentModel.trainableVariables();
    const teacherVars = teacherModel.trainableVariables();
    // As the trainer does: teacher outside the tape (inference mode), student inside.
    const tOut = teacherModel.forward(batch, { training: false });
    const { value, grads } = tf.variableGrads(() => {
      const sOut = studentModel.forward(batch, { training: true });
      return method.losses(stepContext(sOut, tOut, ['soft'], batch))['soft']!;
    }, [...studentVars, ...teacherVars]);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    for (const v of studentVars) expect(gradNorm(grads[v.name]), v.name).toBeGreaterThan(0);
    for (const v of teacherVars) expect(gradNorm(grads[v.name])).toBe(0);
  });

  it('gives the teacher no gradient even with its forward inside the tape, taps detached', () => {
    const { teacherModel, studentModel, method, batch } = tinyRun();
    expectTeacherGetsNoGradient({
      teacher: teacherModel,
      student: studentModel,
      batch,
      loss: (sOut, tOut) => method.losses(stepContext(sOut, tOut, ['soft'], batch))['soft']!,
    });
  });
});
