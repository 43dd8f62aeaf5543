import * as tf from '@tensorflow/tfjs';
import { describeHParams, MissingTapError, UserError, type TappedModel } from '@kd/core';
import { cnn } from '@kd/models';
import { describe, expect, it } from 'vitest';
import { AdainMethod, adainHParams, CONNECTORS, type AdainHParams } from './adain.js';
import { adainDescriptor } from './descriptor.js';
import { adaIN, channelStats } from './statistics.js';
import {
  expectFlatTensorCount,
  gradNorm,
  participant,
  setupContext,
  SpecModel,
  stepContext,
  TinyNet,
} from '@kd/testing';

// Small CNNs on 8x8x1: teacher width 4 (stage2 [4,4,8]), student width 2 (stage2 [4,4,4]).
const teacherNet = (seed = 1) => cnn.build({ inputShape: [8, 8, 1], numClasses: 5, seed, options: { width: 4 } });
const studentNet = (seed = 2) => cnn.build({ inputShape: [8, 8, 1], numClasses: 5, seed, options: { width: 2 } });

function tinyRun(overrides: Partial<AdainHParams> = {}, models: { teacher?: TappedModel; student?: TappedModel } = {}) {
  const teacherModel = models.teacher ?? teacherNet();
  const studentModel = models.student ?? studentNet();
  const method = new AdainMethod();
  method.setup(
    setupContext(
      'adain',
      adainHParams.parse(overrides),
      participant('teacher', 'teacher', teacherModel),
      participant('student', 'student', studentModel),
    ),
  );
  const batch = { x: tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 3), y: tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32') };
  return { teacherModel, studentModel, method, batch };
}

const value = (t: tf.Tensor) => t.dataSync()[0]!;

describe('adain descriptor and hyperparameters', () => {
  it('documents every hyperparameter with its default', () => {
    const docs = Object.fromEntries(describeHParams(adainDescriptor.hparams).map((d) => [d.name, d]));
    expect(docs['judge']!.default).toBe('kl');
    expect(docs['judge']!.type).toBe('"kl"|"ce"');
    expect(docs['tau']!.default).toBe(4);
    expect(docs['eps']!.default).toBe(1e-5);
    expect(docs['connector']!.default).toBe('conv-bn-relu');
    expect(adainHParams.parse({}).pairs).toEqual([{ student: 'stage2', teacher: 'stage2' }]);
    for (const d of Object.values(docs)) expect(d.description.length).toBeGreaterThan(10);
    expect(adainDescriptor.id).toBe('adain');
    expect(adainDescriptor.terms.map((t) => [t.name, t.defaultWeight])).toEqual([
      ['stat', 1],
      ['ain', 1],
    ]);
    expect(() => adainHParams.parse({ judge: 'mse' })).toThrow();
    expect(() => adainHParams.parse({ pairs: [] })).toThrow();
    expect(() => adainHParams.parse({ eps: 0 })).toThrow();
  });
});

describe('adain setup', () => {
  it('sizes one 1x1 conv-BN-ReLU connector per pair from the declared taps', () => {
    const { method } = tinyRun({
      pairs: [
        { student: 'stage2', teacher: 'stage2' },
        { student: 'stage1', teacher: 'stage3' },
      ],
    });
    const [a, b] = method.connectors.items;
    expect(a!.conv.weight.shape).toEqual([1, 1, 4, 8]);
    expect(b!.conv.weight.shape).toEqual([1, 1, 2, 16]); // statistics are pooled: spatial sizes may differ
    expect([...method.connectors.namedParameters().keys()].sort()).toEqual([
      '0.bn.beta',
      '0.bn.gamma',
      '0.conv.bias',
      '0.conv.weight',
      '1.bn.beta',
      '1.bn.gamma',
      '1.conv.bias',
      '1.conv.weight',
    ]);
    expect(method.auxModules()).toEqual([{ name: CONNECTORS, module: method.connectors }]);
    expect(method.requiredTaps()).toEqual([
      { role: 'teacher', tap: 'stage2' },
      { role: 'student', tap: 'stage2' },
      { role: 'teacher', tap: 'stage3' },
      { role: 'student', tap: 'stage1' },
      { role: 'teacher', tap: 'logits' },
    ]);
  });

  it('rejects a run without a teacher, a trainable teacher and a teacher that cannot resume at the tap', () => {
    const student = participant('student', 'student', studentNet());
    const m = new AdainMethod();
    expect(() => m.setup(setupContext('adain', adainHParams.parse({}), undefined, student))).toThrow(/needs a teacher/);
    const trainable = participant('teacher', 'teacher', teacherNet(), { trainable: true });
    expect(() => m.setup(setupContext('adain', adainHParams.parse({}), trainable, student))).toThrow(/frozen teacher/);
    // TinyNet has no forwardFrom
    const tiny = participant('teacher', 'teacher', new TinyNet(4, 8, 5, 1));
    const err = () =>
      m.setup(
        setupContext('adain', adainHParams.parse({ pairs: [{ student: 'stage2', teacher: 'stage2' }] }), tiny, student),
      );
    expect(err).toThrow(UserError);
    expect(err).toThrow(
      /^method 'adain': hparams\.pairs\[0\]\.teacher 'stage2': teacher model 'tiny' cannot run its remaining layers from that tap \(resumable taps: none\)$/,
    );
  });

  it('rejects non-feature and missing taps by name', () => {
    expect(() => tinyRun({ pairs: [{ student: 'logits', teacher: 'stage2' }] })).toThrow(
      /student tap 'logits' \[5\] is a 'logits' tap/,
    );
    expect(() => tinyRun({ pairs: [{ student: 'stage2', teacher: 'embedding' }] })).toThrow(/teacher tap 'embedding'/);
    expect(() => tinyRun({ pairs: [{ student: 'stage9', teacher: 'stage2' }] })).toThrow(MissingTapError);
  });

  it('seeds the connectors from ctx.seed and disposes them', () => {
    const weightsFor = (seed: number) => {
      const m = new AdainMethod();
      m.setup(
        setupContext(
          'adain',
          adainHParams.parse({}),
          participant('teacher', 'teacher', teacherNet()),
          participant('student', 'student', studentNet()),
          seed,
        ),
      );
      return Array.from(m.connectors.items[0]!.conv.weight.dataSync());
    };
    expect(weightsFor(11)).toEqual(weightsFor(11));
    expect(weightsFor(11)).not.toEqual(weightsFor(12));
    const { method } = tinyRun();
    const before = tf.memory().numTensors;
    method.dispose();
    expect(tf.memory().numTensors).toBe(before - 6);
    expect(method.auxModules()).toEqual([]);
  });
});

describe('adain: the direction of the injection (L_AIN = 0 when the statistics match)', () => {
  // The student's connected feature is the teacher's feature flipped left-right: per sample and
  // channel it has exactly the teacher's mean and std, but it is a different map. Through a connector
  // that is the identity (1x1 conv, no BN/ReLU), the student's statistics equal the teacher's.
  function matchedRun() {
    const teacherModel = teacherNet();
    const specs = { guided: { shape: [4, 4, 8], kind: 'feature' as const } };
    const method = new AdainMethod();
    const hp = adainHParams.parse({ pairs: [{ student: 'guided', teacher: 'stage2' }], connector: 'conv' });
    method.setup(
      setupContext(
        'adain',
        hp,
        participant('teacher', 'teacher', teacherModel),
        participant('student', 'student', new SpecModel(specs)),
      ),
    );
    const conv = method.connectors.items[0]!.conv;
    conv.weight.assign(tf.reshape(tf.eye(8), [1, 1, 8, 8]));
    conv.bias!.assign(tf.zeros([8]));
    const x = tf.randomNormal([5, 8, 8, 1], 0, 1, 'float32', 9);
    const teacher = teacherModel.forward({ x }, { training: false });
    const flipped = tf.reverse(teacher['stage2']!, 2);
    return { method, teacherModel, teacher, flipped, batch: { x, y: tf.tensor1d([0, 1, 2, 3, 4], 'int32') } };
  }

  it('is 0 (float tolerance) with the kl judge, and so is stat', () => {
    const { method, teacher, flipped, batch } = matchedRun();
    const out = method.losses(stepContext({ guided: flipped }, teacher, ['ain', 'stat'], batch));
    expect(Math.abs(value(out['ain']!))).toBeLessThan(1e-6);
    expect(value(out['stat']!)).toBeLessThan(1e-10);
  });

  it('is clearly > 0 when the statistics differ', () => {
    const { method, teacher, flipped, batch } = matchedRun();
    const shifted = tf.add(tf.mul(flipped, 1.7), 0.4);
    const out = method.losses(stepContext({ guided: shifted }, teacher, ['ain', 'stat'], batch));
    expect(value(out['ain']!)).toBeGreaterThan(1e-2);
    expect(value(out['stat']!)).toBeGreaterThan(1e-2);
  });

  it('the swapped injection (the student map re-styled with the teacher statistics) would not be 0', () => {
    const { method, teacherModel, teacher, flipped, batch } = matchedRun();
    // AdaIN(F_S; μ_T, σ_T) = the flipped map itself: the teacher's rest sees a different feature.
    const wrong = adaIN(flipped, channelStats(teacher['stage2']!, 1e-5), 1e-5);
    const z = teacherModel.forwardFrom!('stage2', wrong, batch, { training: false })['logits']!;
    expect(value(tf.max(tf.abs(tf.sub(z, teacher['logits']!))))).toBeGreaterThan(1e-3);
    // while the right direction reproduces the teacher's own logits
    const right = method.injectedLogits('stage2', teacher['stage2']!, channelStats(flipped, 1e-5), batch);
    expect(value(tf.max(tf.abs(tf.sub(right, teacher['logits']!))))).toBeLessThan(1e-5);
  });

  it("with the ce judge it is the teacher's own cross-entropy (not 0) when the statistics match", () => {
    const { teacherModel, teacher, flipped, batch } = matchedRun();
    const method = new AdainMethod();
    const specs = { guided: { shape: [4, 4, 8], kind: 'feature' as const } };
    method.setup(
      setupContext(
        'adain',
        adainHParams.parse({ pairs: [{ student: 'guided', teacher: 'stage2' }], connector: 'conv', judge: 'ce' }),
        participant('teacher', 'teacher', teacherModel),
        participant('student', 'student', new SpecModel(specs)),
      ),
    );
    method.connectors.items[0]!.conv.weight.assign(tf.reshape(tf.eye(8), [1, 1, 8, 8]));
    method.connectors.items[0]!.conv.bias!.assign(tf.zeros([8]));
    const ain = value(method.losses(stepContext({ guided: flipped }, teacher, ['ain'], batch))['ain']!);
    const ownCe = value(tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(batch.y, 5), tf.logSoftmax(teacher['logits']!)), 1))));
    expect(Math.abs(ain - ownCe)).toBeLessThan(1e-5);
  });
});

describe('adain losses', () => {
  it('both terms are positive for different students and teachers', () => {
    const { method, studentModel, teacherModel, batch } = tinyRun();
    const s = studentModel.forward(batch, { training: true });
    const t = teacherModel.forward(batch, { training: false });
    const both = method.losses(stepContext(s, t, ['stat', 'ain'], batch));
    for (const v of Object.values(both)) expect(value(v)).toBeGreaterThan(0);
  });

  it('sums the terms over pairs', () => {
    const pairs = [
      { student: 'stage2', teacher: 'stage2' },
      { student: 'stage3', teacher: 'stage3' },
    ];
    const { method, studentModel, teacherModel, batch } = tinyRun({ pairs });
    const s = studentModel.forward(batch, { training: false });
    const t = teacherModel.forward(batch, { training: false });
    const total = method.losses(stepContext(s, t, ['stat', 'ain'], batch));
    // the same connectors used one pair at a time (BN in training mode uses batch statistics: same values)
    const single = pairs.map((_, i) => {
      const m = new AdainMethod();
      m.setup(
        setupContext(
          'adain',
          adainHParams.parse({ pairs: [pairs[i]!] }),
          participant('teacher', 'teacher', teacherModel),
          participant('student', 'student', studentModel),
        ),
      );
      for (const [path, v] of m.connectors.items[0]!.namedVariables())
        v.assign(method.connectors.items[i]!.namedVariables().get(path)!);
      return m.losses(stepContext(s, t, ['stat', 'ain'], batch));
    });
    for (const term of ['stat', 'ain']) {
      expect(value(total[term]!)).toBeCloseTo(
        single.reduce((acc, o) => acc + value(o[term]!), 0),
        5,
      );
    }
  });

  it('names a tap missing from the step outputs', () => {
    const { method, studentModel, batch } = tinyRun();
    const s = studentModel.forward(batch, { training: true });
    expect(() => method.losses(stepContext(s, { logits: tf.zeros([6, 5]) }, ['stat']))).toThrow(/teacher tap 'stage2'/);
  });

  it('gradient flow: through the frozen teacher rest to the connector and the student; the teacher gets nothing and is unchanged', () => {
    const { teacherModel, studentModel, method, batch } = tinyRun();
    teacherModel.setFrozen(true); // as the runner leaves a teacher after its stage
    const studentVars = [...studentModel.namedParameters()];
    const connectorVars = [...method.connectors.namedParameters()];
    const teacherBefore = new Map([...teacherModel.namedVariables()].map(([k, v]) => [k, Array.from(v.dataSync())]));
    const tOut = teacherModel.forward(batch, { training: false }); // outside the tape, as the trainer does
    const list = [
      ...studentVars.map(([, v]) => v),
      ...connectorVars.map(([, v]) => v),
      ...teacherModel.trainableVariables(),
    ];
    const { value: loss, grads } = tf.variableGrads(() => {
      const sOut = studentModel.forward(batch, { training: true });
      return method.losses(stepContext(sOut, tOut, ['ain'], batch))['ain']!;
    }, list);
    expect(value(loss)).toBeGreaterThan(0);
    for (const [path, v] of connectorVars) {
      // a conv bias before training-mode BN has an exactly zero gradient (BN removes its mean)
      if (path.endsWith('conv.bias')) expect(gradNorm(grads[v.name]), path).toBeLessThan(1e-5);
      else expect(gradNorm(grads[v.name]), path).toBeGreaterThan(0);
    }
    for (const [path, v] of studentVars) {
      // ain depends on the student up to stage2 only (through the connector and the teacher's rest)
      if (/^(conv3|bn3|fc)\./.test(path)) expect(gradNorm(grads[v.name]), path).toBe(0);
      else expect(gradNorm(grads[v.name]), path).toBeGreaterThan(0);
    }
    const teacherNames = new Set([...teacherModel.namedVariables().values()].map((v) => v.name));
    expect(Object.keys(grads).filter((n) => teacherNames.has(n))).toEqual([]);
    tf.train.sgd(0.1).applyGradients(grads);
    for (const [k, v] of teacherModel.namedVariables())
      expect(Array.from(v.dataSync()), k).toEqual(teacherBefore.get(k));
  });

  it('the gradient reaches the statistics only through the teacher rest (a zero rest gives zero gradient)', () => {
    const { teacherModel, studentModel, method, batch } = tinyRun();
    const tOut = teacherModel.forward(batch, { training: false });
    // zero the teacher's classifier: the injected logits are then constant, and so is KL
    const fc = [...teacherModel.namedVariables()].filter(([k]) => k.startsWith('fc.'));
    for (const [, v] of fc) v.assign(tf.zerosLike(v));
    const tZero = { ...tOut, logits: tf.zeros([6, 5]) };
    const connectorVars = method.connectors.trainableVariables();
    const { grads } = tf.variableGrads(() => {
      const sOut = studentModel.forward(batch, { training: true });
      return method.losses(stepContext(sOut, tZero, ['ain'], batch))['ain']!;
    }, connectorVars);
    for (const v of connectorVars) expect(gradNorm(grads[v.name])).toBe(0);
  });

  it('keeps the tensor count flat across repeated calls inside tidy (both terms, both judges)', () => {
    for (const judge of ['kl', 'ce'] as const) {
      const { teacherModel, studentModel, method, batch } = tinyRun({ judge });
      const tOut = teacherModel.forward(batch, { training: false });
      expectFlatTensorCount(() =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const sOut = studentModel.forward(batch, { training: true });
            const out = method.losses(stepContext(sOut, tOut, ['stat', 'ain'], batch));
            return tf.add(out['stat']!, out['ain']!) as tf.Scalar;
          }, [...studentModel.trainableVariables(), ...method.connectors.trainableVariables()]);
          tf.dispose(Object.values(grads));
        }),
      );
    }
  });
});
