import * as tf from '@tensorflow/tfjs';
import { describeHParams, MissingTapError, UserError, type TapSpec } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { connectorGeometry } from './connector-geometry.js';
import { fitnetDescriptor } from './descriptor.js';
import { CONNECTOR, FitnetMethod, fitnetHParams, type FitnetHParams } from './fitnet.js';
import { traceVariablesUpTo } from './guided.js';
import {
  gradNorm,
  participant,
  setupContext,
  SpecModel,
  stepContext,
  TinyNet,
  expectTeacherGetsNoGradient,
} from '@kd/testing';

// Tiny teacher (width 8) and student (width 4) on 8x8x1 inputs: stage1 [8,8,w], stage2 [4,4,2w].
function tinyRun(overrides: Partial<FitnetHParams> = {}, seed = 7) {
  const teacherModel = new TinyNet(8, 8, 5, 1);
  const studentModel = new TinyNet(4, 8, 5, 2);
  const teacher = participant('teacher', 'teacher', teacherModel);
  const student = participant('student', 'student', studentModel);
  const method = new FitnetMethod();
  method.setup(setupContext('fitnet', fitnetHParams.parse(overrides), teacher, student, seed));
  const batch = { x: tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 3), y: tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32') };
  return { teacherModel, studentModel, method, batch };
}

const feature = (shape: number[]): TapSpec => ({ shape, kind: 'feature' });

describe('fitnet descriptor and hyperparameters', () => {
  it('documents every hyperparameter with its default', () => {
    const docs = Object.fromEntries(describeHParams(fitnetDescriptor.hparams).map((d) => [d.name, d]));
    expect(docs['studentTap']!.default).toBe('stage2');
    expect(docs['teacherTap']!.default).toBe('stage2');
    expect(docs['connector']!.default).toBe('conv-bn-relu');
    expect(docs['connector']!.type).toBe('"conv-bn-relu"|"conv-bn"|"conv"');
    expect(docs['hintEpochs']!.default).toBe(5);
    for (const d of Object.values(docs)) expect(d.description.length).toBeGreaterThan(10);
    expect(fitnetDescriptor.id).toBe('fitnet');
    expect(fitnetDescriptor.terms).toEqual([expect.objectContaining({ name: 'hint', defaultWeight: 100 })]);
    expect(() => fitnetHParams.parse({ hintEpochs: -1 })).toThrow();
    expect(() => fitnetHParams.parse({ connector: 'mlp' })).toThrow();
  });
});

describe('fitnet connector sizing', () => {
  it('is a 1x1 conv from the student channels to the teacher channels for equal sizes', () => {
    const { method } = tinyRun();
    const c = method.connector;
    expect(c.geometry).toEqual({ inChannels: 8, outChannels: 16, kernel: 1, stride: 1, padding: 0 });
    expect(c.conv.weight.shape).toEqual([1, 1, 8, 16]);
    expect([...c.namedParameters().keys()].sort()).toEqual(['bn.beta', 'bn.gamma', 'conv.bias', 'conv.weight']);
    expect(method.auxModules()).toEqual([{ name: CONNECTOR, module: c }]);
  });

  it('uses a 3x3 conv with stride k when the student map is k times larger', () => {
    const { method } = tinyRun({ studentTap: 'stage1', teacherTap: 'stage2' });
    expect(method.connector.geometry).toEqual({ inChannels: 4, outChannels: 16, kernel: 3, stride: 2, padding: 1 });
    expect(
      connectorGeometry({ name: 's', spec: feature([12, 12, 3]) }, { name: 't', spec: feature([4, 4, 5]) }),
    ).toMatchObject({
      kernel: 3,
      stride: 3,
    });
  });

  it('maps to the teacher shape in a forward pass (both geometries)', () => {
    for (const studentTap of ['stage1', 'stage2']) {
      const { method, studentModel, teacherModel, batch } = tinyRun({ studentTap });
      const s = studentModel.forward(batch, { training: true })[studentTap]!;
      const t = teacherModel.forward(batch, { training: false })['stage2']!;
      expect(method.connector.apply(s).shape).toEqual(t.shape);
    }
  });

  it('rejects a student map smaller than the teacher map, naming both shapes', () => {
    const err = () => tinyRun({ studentTap: 'stage2', teacherTap: 'stage1' });
    expect(err).toThrow(UserError);
    expect(err).toThrow(/student tap 'stage2' \[4, 4, 8\].*teacher tap 'stage1' \[8, 8, 8\]/);
    expect(() =>
      connectorGeometry({ name: 's', spec: feature([8, 6, 3]) }, { name: 't', spec: feature([4, 4, 3]) }),
    ).toThrow(/\[8, 6, 3\].*\[4, 4, 3\]/);
  });

  it('rejects taps that are not feature maps', () => {
    expect(() => tinyRun({ studentTap: 'logits' })).toThrow(/student tap 'logits' \[5\] is a 'logits' tap/);
  });

  it('throws a MissingTapError naming a missing tap', () => {
    expect(() => tinyRun({ teacherTap: 'stage9' })).toThrow(MissingTapError);
    expect(() => tinyRun({ teacherTap: 'stage9' })).toThrow(/'stage9'/);
    expect(() => tinyRun({ studentTap: 'nope' })).toThrow(/tap 'nope'/);
  });

  it('seeds the connector from ctx.seed', () => {
    const w = (seed: number) => Array.from(tinyRun({}, seed).method.connector.conv.weight.dataSync());
    expect(w(11)).toEqual(w(11));
    expect(w(11)).not.toEqual(w(12));
  });
});

describe('fitnet losses', () => {
  it('is positive for different features', () => {
    const { method, studentModel, teacherModel, batch } = tinyRun();
    const s = studentModel.forward(batch, { training: true });
    const t = teacherModel.forward(batch, { training: false });
    const out = method.losses(stepContext(s, t, ['hint']));
    expect(out['hint']!.dataSync()[0]).toBeGreaterThan(0);
  });

  it('names a tap missing from the step outputs', () => {
    const { method, studentModel, batch } = tinyRun();
    const s = studentModel.forward(batch, { training: true });
    expect(() => method.losses(stepContext(s, { logits: tf.zeros([6, 5]) }, ['hint']))).toThrow(/teacher tap 'stage2'/);
  });

  it('gives the student and the connector non-zero gradients and the teacher none', () => {
    const { teacherModel, studentModel, method, batch } = tinyRun();
    const connectorVars = method.connector.trainableVariables();
    const studentVars = [...studentModel.namedParameters()];
    const teacherVars = teacherModel.trainableVariables();
    const tOut = teacherModel.forward(batch, { training: false }); // outside the tape, as the trainer does
    const { value, grads } = tf.variableGrads(() => {
      const sOut = studentModel.forward(batch, { training: true });
      return method.losses(stepContext(sOut, tOut, ['hint'], batch))['hint']!;
    }, [...studentVars.map(([, v]) => v), ...connectorVars, ...teacherVars]);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    for (const v of connectorVars) expect(gradNorm(grads[v.name]), v.name).toBeGreaterThan(0);
    for (const [path, v] of studentVars) {
      // the hint depends on the layers up to stage2, not on the classifier
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
      extra: method.connector.trainableVariables(),
      loss: (sOut, tOut) => method.losses(stepContext(sOut, tOut, ['hint'], batch))['hint']!,
    });
  });

  it('disposes the connector', () => {
    const { method } = tinyRun();
    const before = tf.memory().numTensors;
    method.dispose();
    expect(tf.memory().numTensors).toBe(before - 6); // conv weight, bias; bn gamma, beta, running mean, var
    expect(method.auxModules()).toEqual([]);
  });
});

describe('fitnet hint stage', () => {
  it('is one stage "hint" of hintEpochs epochs training the student and the connector', () => {
    const { method } = tinyRun({ hintEpochs: 3 });
    const stages = method.stages();
    expect(stages).toHaveLength(1);
    const [hint] = stages;
    expect(hint!.name).toBe('hint');
    expect(hint!.defaultEpochs).toBe(3);
    expect(hint!.trainable).toEqual(['student', CONNECTOR]);
    expect(hint!.terms.map((t) => [t.name, t.defaultWeight])).toEqual([['hint', 1]]); // the hint alone, unscaled
    expect(hint!.taps).toEqual([
      { role: 'teacher', tap: 'stage2' },
      { role: 'student', tap: 'stage2' },
    ]);
    expect(tinyRun().method.stages()[0]!.defaultEpochs).toBe(5);
  });

  it('is absent when hintEpochs is 0', () => {
    expect(tinyRun({ hintEpochs: 0 }).method.stages()).toEqual([]);
  });

  it('trains the student only up to and including the guided layer (path prefixes)', () => {
    for (const [tap, expected] of [
      ['stage2', ['bn1.', 'conv1.', 'layer1.', 'layer2.']],
      ['stage1', ['bn1.', 'conv1.', 'layer1.']],
    ] as const) {
      const { method, studentModel } = tinyRun({ studentTap: tap, teacherTap: 'stage2' });
      const [stage] = method.stages();
      const filter = stage!.variableFilter!;
      expect(method.guidedScope().mode).toBe('prefix');
      const kept = [...studentModel.namedParameters().keys()].filter((p) => filter('student', p));
      expect(new Set(kept.map((p) => p.split('.')[0] + '.'))).toEqual(new Set(expected));
      // the path rule selects exactly what the tap depends on
      expect(new Set(kept)).toEqual(traceVariablesUpTo(studentModel, tap, [8, 8, 1]));
      for (const p of method.connector.namedParameters().keys()) expect(filter(CONNECTOR, p)).toBe(true);
      for (const p of ['layer2.conv.weight', 'fc.weight']) expect(filter('teacher', p)).toBe(true); // only the student is filtered
    }
  });

  it('traces the dependencies of the guided tap for an unknown variable layout', () => {
    const teacher = participant('teacher', 'teacher', new TinyNet(8, 8, 5, 1));
    const studentModel = new TinyNet(4, 8, 5, 2, 'custom');
    const method = new FitnetMethod();
    method.setup(
      setupContext(
        'fitnet',
        fitnetHParams.parse({ studentTap: 'stage1' }),
        teacher,
        participant('student', 'student', studentModel),
      ),
    );
    const filter = method.stages()[0]!.variableFilter!;
    expect(method.guidedScope().mode).toBe('traced');
    const kept = [...studentModel.namedParameters().keys()].filter((p) => filter('student', p));
    expect(new Set(kept.map((p) => p.split('.')[0]))).toEqual(new Set(['stemconv', 'stembn', 'blockA']));
  });

  it('stage losses give gradients exactly to the filtered student variables and the connector', () => {
    const { teacherModel, studentModel, method, batch } = tinyRun({ studentTap: 'stage1' });
    const [stage] = method.stages();
    const filter = stage!.variableFilter!;
    const params = [...studentModel.namedParameters()];
    const tOut = teacherModel.forward(batch, { training: false });
    const { grads } = tf.variableGrads(() => {
      const sOut = studentModel.forward(batch, { training: true });
      expect(stage!.losses(stepContext(sOut, tOut, [], batch))).toEqual({}); // weight 0: not computed
      const out = stage!.losses(stepContext(sOut, tOut, ['hint'], batch));
      expect(Object.keys(out)).toEqual(['hint']);
      return out['hint']!;
    }, [...params.map(([, v]) => v), ...method.connector.trainableVariables()]);
    for (const [path, v] of params) expect(gradNorm(grads[v.name]) > 0, path).toBe(filter('student', path));
    for (const v of method.connector.trainableVariables()) expect(gradNorm(grads[v.name])).toBeGreaterThan(0);
  });

  it('falls back to the whole student when the model cannot be traced and its layout is unknown', () => {
    const teacher = participant('teacher', 'teacher', new SpecModel({ stage2: feature([4, 4, 8]) }));
    const student = participant('s', 'student', new SpecModel({ mid: feature([4, 4, 4]) }));
    const method = new FitnetMethod();
    method.setup(setupContext('fitnet', fitnetHParams.parse({ studentTap: 'mid' }), teacher, student));
    const [stage] = method.stages();
    expect(method.guidedScope().mode).toBe('all');
    expect(stage!.trainable).toEqual(['s', CONNECTOR]);
    expect(stage!.description).toMatch(/whole student/);
  });
});
