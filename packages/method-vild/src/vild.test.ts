import * as tf from '@tensorflow/tfjs';
import { describeHParams, MissingTapError, UserError } from '@kd/core';
import { expectTeacherGetsNoGradient, gradNorm, participant, setupContext, stepContext } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { batch, cropTeacher, D, data, detector, M } from '../test/tiny-vild.js';
import { vildDescriptor } from './descriptor.js';
import { VildMethod, vildHParams } from './vild.js';
import { l2NormalizeRows } from './vild-image-loss.js';

function run(teacher = cropTeacher(), student = detector()) {
  const method = new VildMethod();
  const ctx = setupContext(
    'vild',
    vildHParams.parse({}),
    participant('teacher', 'teacher', teacher),
    participant('student', 'student', student),
    7,
    undefined,
    { data },
  );
  return { method, ctx, teacher, student };
}

describe('vild descriptor and hyperparameters', () => {
  it('declares the image term with weight 0.5, its taps, and defaults with their sources', () => {
    expect(vildDescriptor.id).toBe('vild');
    expect(vildDescriptor.terms).toEqual([expect.objectContaining({ name: 'image', defaultWeight: 0.5 })]);
    expect(vildDescriptor.hparams.parse({})).toEqual({
      studentTap: 'distillEmbedding',
      studentMaskTap: 'distillMask',
      teacherTap: 'regionEmbedding',
      normalizeTeacher: true,
    });
    for (const d of describeHParams(vildDescriptor.hparams)) expect(d.description, d.name).toBeTruthy();
    const m = new VildMethod();
    expect(m.auxModules()).toEqual([]);
    expect(m.requiredTaps()).toEqual([
      { role: 'student', tap: 'distillEmbedding' },
      { role: 'student', tap: 'distillMask' },
      { role: 'teacher', tap: 'regionEmbedding' },
    ]);
  });
});

describe('vild setup: taps that are missing or do not pair up are one-line errors', () => {
  it('names a missing student tap (a detector without options.distill)', () => {
    const { method, ctx, teacher, student } = run(cropTeacher(), detector(2, false));
    expect(() => method.setup(ctx)).toThrow(MissingTapError);
    expect(() => method.setup(ctx)).toThrow(/'distillEmbedding'/);
    teacher.dispose();
    student.dispose();
  });

  it('refuses a teacher with another number of proposals', () => {
    const { method, ctx, teacher, student } = run(cropTeacher(1, M + 1));
    expect(() => method.setup(ctx)).toThrow(UserError);
    expect(() => method.setup(ctx)).toThrow(
      new RegExp(
        `student 'distillEmbedding' \\[${M}, ${D}\\] and teacher 'regionEmbedding' \\[${M + 1}, ${D}\\] differ`,
      ),
    );
    teacher.dispose();
    student.dispose();
  });
});

describe('vild losses', () => {
  it('is 0 when the student embeds each valid proposal as the normalised teacher does, whatever the padded ones are', () => {
    const { method, ctx, teacher, student } = run();
    method.setup(ctx);
    const v = tf.randomNormal([2, M, D], 0, 2, 'float32', 1);
    const mask = tf.tensor2d([1, 1, 0, 1, 0, 0], [2, M]);
    const padded = tf.tensor3d(
      [0, 0, 1, 0, 1, 1].flatMap((p) => Array(D).fill(p * 7)),
      [2, M, D],
    );
    const e = tf.add(l2NormalizeRows(v), padded);
    const value = (s: tf.Tensor) =>
      method
        .losses(stepContext({ distillEmbedding: s, distillMask: mask }, { regionEmbedding: v }, ['image']))
        ['image']!.dataSync()[0]!;
    expect(value(e)).toBeCloseTo(0, 6);
    // one valid proposal off by 0.3 in one dimension: 0.3 / 3 valid proposals
    const off = tf.add(
      e,
      tf.tensor3d(
        Array.from({ length: 2 * M * D }, (_, i) => (i === 0 ? 0.3 : 0)),
        [2, M, D],
      ),
    );
    expect(value(off)).toBeCloseTo(0.1, 5);
    expect(method.losses(stepContext({}, {}, []))).toEqual({});
    teacher.dispose();
    student.dispose();
  });

  it("trains the detector's backbone, head and projection through the distillation proposals; the teacher gets nothing", () => {
    const { method, ctx, teacher, student } = run();
    method.setup(ctx);
    const b = batch();
    const tOut = teacher.forward(b, { training: false, taps: new Set(['regionEmbedding']) });
    const vars = student.namedParameters();
    const { value, grads } = tf.variableGrads(() => {
      const sOut = student.forward(b, { training: true, taps: new Set(['distillEmbedding', 'distillMask']) });
      return method.losses(stepContext(sOut, tOut, ['image'], b))['image']!;
    }, [...vars.values()]);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    for (const k of ['conv1.weight', 'head.fc.weight', 'textClassifier.projection.weight'])
      expect(gradNorm(grads[vars.get(k)!.name]), k).toBeGreaterThan(0);
    // with the teacher trainable and its forward inside the tape, its taps detached: still no gradient
    expectTeacherGetsNoGradient({
      teacher: teacher.setFrozen(false),
      student,
      batch: b,
      loss: (sOut, t) => method.losses(stepContext(sOut, t, ['image'], b))['image']!,
    });
    teacher.dispose();
    student.dispose();
  });
});
