import * as tf from '@tensorflow/tfjs';
import { describeHParams, MissingTapError, UserError } from '@kd/core';
import { cnn, resnet } from '@kd/models';
import { describe, expect, it } from 'vitest';
import { AtMethod, atHParams, type AtHParams } from './at.js';
import { attentionMap } from './attention.js';
import { atDescriptor } from './descriptor.js';
import { expectTeacherGetsNoGradient, gradNorm, participant, setupContext, stepContext, TinyNet } from '@kd/testing';

// TinyNet teacher (width 8) / student (width 4) on 8x8x1: stage1 [8,8,w], stage2 [4,4,2w].
function tinyRun(overrides: Partial<AtHParams> = {}) {
  const teacherModel = new TinyNet(8, 8, 5, 1);
  const studentModel = new TinyNet(4, 8, 5, 2);
  const method = new AtMethod();
  const hp = atHParams.parse({
    pairs: [
      { student: 'stage1', teacher: 'stage1' },
      { student: 'stage2', teacher: 'stage2' },
    ],
    ...overrides,
  });
  method.setup(
    setupContext(
      'at',
      hp,
      participant('teacher', 'teacher', teacherModel),
      participant('student', 'student', studentModel),
    ),
  );
  const batch = { x: tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 3), y: tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32') };
  return { teacherModel, studentModel, method, batch };
}

describe('at descriptor and hyperparameters', () => {
  it('documents every hyperparameter with the official defaults', () => {
    const docs = Object.fromEntries(describeHParams(atDescriptor.hparams).map((d) => [d.name, d]));
    expect(docs['p']!.default).toBe(2);
    expect(docs['beta']!.default).toBe(1000);
    expect(atHParams.parse({}).pairs.map((p) => p.student)).toEqual(['stage1', 'stage2', 'stage3']);
    for (const d of Object.values(docs)) expect(d.description.length).toBeGreaterThan(10);
    expect(atDescriptor.id).toBe('at');
    expect(atDescriptor.terms).toEqual([expect.objectContaining({ name: 'at', defaultWeight: 1 })]);
    expect(() => atHParams.parse({ pairs: [] })).toThrow();
    expect(() => atHParams.parse({ pairs: [{ student: 'stage1' }] })).toThrow();
    expect(() => atHParams.parse({ p: 0 })).toThrow();
  });

  it('requires both taps of every pair and has no aux modules', () => {
    const { method } = tinyRun();
    expect(method.requiredTaps()).toEqual([
      { role: 'teacher', tap: 'stage1' },
      { role: 'student', tap: 'stage1' },
      { role: 'teacher', tap: 'stage2' },
      { role: 'student', tap: 'stage2' },
    ]);
    expect(method.auxModules()).toEqual([]);
  });

  it('rejects pairs of different spatial sizes in one line naming the pair', () => {
    const err = () => tinyRun({ pairs: [{ student: 'stage1', teacher: 'stage2' }] });
    expect(err).toThrow(UserError);
    expect(err).toThrow(
      /^method 'at': hparams\.pairs\[0\] student tap 'stage1' is 8x8 but teacher tap 'stage2' is 4x4/,
    );
    expect(() => tinyRun({ pairs: [{ student: 'logits', teacher: 'stage1' }] })).toThrow(/'logits' tap/);
    expect(() => tinyRun({ pairs: [{ student: 'stage9', teacher: 'stage1' }] })).toThrow(MissingTapError);
  });

  it('accepts the default stage pairs between the small CNN and a CIFAR ResNet on 28x28', () => {
    const teacherModel = resnet.build({
      inputShape: [28, 28, 1],
      numClasses: 10,
      seed: 0,
      options: { depth: 8, width: 4 },
    });
    const studentModel = cnn.build({ inputShape: [28, 28, 1], numClasses: 10, seed: 0, options: { width: 2 } });
    const method = new AtMethod();
    expect(() =>
      method.setup(
        setupContext(
          'at',
          atHParams.parse({}),
          participant('teacher', 'teacher', teacherModel),
          participant('student', 'student', studentModel),
        ),
      ),
    ).not.toThrow();
    teacherModel.dispose();
    studentModel.dispose();
  });
});

describe('at losses', () => {
  it('attention maps are unit-norm per sample and channel-count independent', () => {
    const f = tf.relu(tf.randomNormal([3, 4, 4, 5], 0, 1, 'float32', 1));
    const a = attentionMap(f, 2);
    expect(a.shape).toEqual([3, 16]);
    Array.from(tf.norm(a, 'euclidean', 1).dataSync()).forEach((n) => expect(n).toBeCloseTo(1, 5));
    // repeating the channels leaves the (mean-over-channels) map unchanged
    expect(tf.max(tf.abs(tf.sub(attentionMap(tf.concat([f, f], -1), 2), a))).dataSync()[0]).toBeLessThan(1e-6);
  });

  it('is zero for equal maps, positive otherwise', () => {
    const { method, studentModel, teacherModel, batch } = tinyRun();
    const s = studentModel.forward(batch, { training: true });
    const t = teacherModel.forward(batch, { training: false });
    const out = method.losses(stepContext(s, t, ['at']));
    expect(out['at']!.dataSync()[0]).toBeGreaterThan(0);
    const self = method.losses(stepContext(t, t, ['at']))['at']!.dataSync()[0]!;
    expect(self).toBe(0);
  });

  it('names a tap missing from the step outputs', () => {
    const { method, studentModel, batch } = tinyRun();
    const s = studentModel.forward(batch, { training: true });
    expect(() => method.losses(stepContext(s, { stage1: s['stage1']! }, ['at']))).toThrow(/teacher tap 'stage2'/);
  });

  it('gives the student non-zero gradients (except the classifier) and the teacher none', () => {
    const { teacherModel, studentModel, method, batch } = tinyRun();
    const studentVars = [...studentModel.namedParameters()];
    const teacherVars = teacherModel.trainableVariables();
    const tOut = teacherModel.forward(batch, { training: false });
    const { value, grads } = tf.variableGrads(() => {
      const sOut = studentModel.forward(batch, { training: true });
      return method.losses(stepContext(sOut, tOut, ['at'], batch))['at']!;
    }, [...studentVars.map(([, v]) => v), ...teacherVars]);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    for (const [path, v] of studentVars) {
      if (path.startsWith('fc.')) expect(gradNorm(grads[v.name]), path).toBe(0);
      else expect(gradNorm(grads[v.name]), path).toBeGreaterThan(0);
    }
    for (const v of teacherVars) expect(gradNorm(grads[v.name])).toBe(0);
  });

  it('gives the teacher no gradient even with its forward inside the tape, taps detached', () => {
    const { teacherModel, studentModel, method, batch } = tinyRun();
    expectTeacherGetsNoGradient({
      teacher: teacherModel,
      student: studentModel,
      batch,
      loss: (sOut, tOut) => method.losses(stepContext(sOut, tOut, ['at'], batch))['at']!,
    });
  });
});
