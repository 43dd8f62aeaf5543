import * as tf from '@tensorflow/tfjs';
import { TappedModel, UserError, type Batch, type DataSplit, type TapValues } from '@kd/core';
import { participant, setupContext, stepContext } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { batch, data, K, R, student, teacher } from '../test/tiny-wsd.js';
import { WSD_KD_SCALE, WsdKdMethod, wsdKdHParams } from './wsd-kd.js';

function setUp(hp: Record<string, unknown> = {}, studentOptions: Record<string, unknown> = {}) {
  const t = participant('teacher', 'teacher', teacher());
  const s = participant('student', 'student', student(4, studentOptions));
  const method = new WsdKdMethod();
  method.setup(setupContext('wsd-kd', wsdKdHParams.parse(hp), t, s, 7, undefined, { data }));
  return { method, t, s };
}

describe('wsd-kd: stages, scale, shapes', () => {
  it("declares stage 1 'feature' (student only, term feature at 1, 5 epochs by default); featureEpochs 0 drops it", () => {
    const { method } = setUp();
    const [stage] = method.stages();
    expect(stage!.name).toBe('feature');
    expect(stage!.trainable).toEqual(['student']);
    expect(stage!.defaultEpochs).toBe(5);
    expect(stage!.terms.map((t) => [t.name, t.defaultWeight])).toEqual([['feature', 1]]);
    expect(setUp({ featureEpochs: 0 }).method.stages()).toEqual([]);
  });

  it('the soft-target scale: K learnable values at 1/5 in their own group, one value, or a constant', () => {
    const perClass = setUp().method.auxModules();
    expect(perClass.map((a) => [a.name, a.group])).toEqual([[WSD_KD_SCALE, WSD_KD_SCALE]]);
    expect(Array.from(perClass[0]!.module.namedParameters().get('scale')!.dataSync())).toEqual(
      new Array(K).fill(Math.fround(0.2)),
    );
    expect(setUp({ scale: 'scalar' }).method.auxModules()[0]!.module.namedParameters().get('scale')!.shape).toEqual([
      1,
    ]);
    expect(setUp({ scale: 'fixed' }).method.auxModules()).toEqual([]);
  });

  it('asks for the region features in distillation only when its feature term is weighted there (stage 1 declares them itself)', () => {
    const taps = (activeTerms?: string[]) => {
      const t = participant('teacher', 'teacher', teacher());
      const s = participant('student', 'student', student());
      const method = new WsdKdMethod();
      const ctx = setupContext('wsd-kd', wsdKdHParams.parse({}), t, s, 7, undefined, { data });
      method.setup({ ...ctx, activeTerms: activeTerms && new Set(activeTerms) });
      return method.requiredTaps().map((r) => `${r.role}.${r.tap}`);
    };
    expect(taps(['soft'])).toEqual([
      'teacher.classLogits',
      'teacher.detectionLogits',
      'teacher.regionMask',
      'student.logits',
    ]);
    expect(taps(['soft', 'feature'])).toEqual(
      expect.arrayContaining(['teacher.regionFeatures', 'student.regionFeatures']),
    );
    expect(taps()).toEqual(expect.arrayContaining(['teacher.regionFeatures', 'student.regionFeatures']));
    expect(
      setUp()
        .method.stages()[0]!
        .taps.map((r) => `${r.role}.${r.tap}`),
    ).toEqual(['teacher.regionFeatures', 'teacher.regionMask', 'student.regionFeatures']);
  });

  it('refuses a student whose fc7 width differs from the teacher’s, naming both taps and the options', () => {
    expect(() => setUp({}, { hidden: 5 })).toThrow(UserError);
    expect(() => setUp({}, { hidden: 5 })).toThrow(
      /teacher regionFeatures \[3, 6\] and student regionFeatures \[3, 5\] differ: .*options\.hidden/,
    );
  });

  it('refuses a student pooling other proposals than the teacher (source or score weighting), naming the option', () => {
    expect(() => setUp({}, { proposals: 'biased' })).toThrow(
      /^method 'wsd-kd': student\.options\.proposals is 'biased', the teacher's ''/,
    );
    expect(() => setUp({}, { proposalScores: 'none' })).toThrow(
      /student\.options\.proposalScores is 'none', the teacher's 'raw'/,
    );
  });

  it('the soft term trains the student (every parameter) and the scale; the feature term the backbone and fc6/fc7, not fc8', () => {
    const { method, t, s } = setUp();
    const b = batch();
    const scale = method.auxModules()[0]!.module.namedParameters().get('scale')!;
    const params = [...s.model.namedParameters()];
    const norms = (term: 'soft' | 'feature') => {
      let out: { student: Map<string, number>; scale: number } | undefined;
      tf.tidy(() => {
        const teacherTaps = t.model.forward(b, { training: false });
        const { grads } = tf.variableGrads(() => {
          const studentTaps = s.model.forward(b, { training: true });
          return method.losses(stepContext(studentTaps, teacherTaps, [term]))[term]!;
        }, [...params.map(([, v]) => v), scale]);
        const norm = (v: tf.Variable) => (grads[v.name] ? tf.max(tf.abs(grads[v.name]!)).dataSync()[0]! : 0);
        out = { student: new Map(params.map(([p, v]) => [p, norm(v)])), scale: norm(scale) };
      });
      return out!;
    };
    const soft = norms('soft');
    expect(soft.scale).toBeGreaterThan(0);
    for (const [p] of params) expect(soft.student.get(p), p).toBeGreaterThan(0);
    const feature = norms('feature');
    expect(feature.scale).toBe(0);
    for (const [p] of params)
      if (p.startsWith('classifier.')) expect(feature.student.get(p), p).toBe(0);
      else expect(feature.student.get(p), p).toBeGreaterThan(0);
  });
});

/** A detector whose region scores are fixed: class k's best region in each image is `best[i][k]`. */
class FixedDetector extends TappedModel {
  readonly arch = 'fixed';
  constructor(private readonly best: number[][]) {
    super();
  }
  tapSpecs() {
    return {
      regionScores: { shape: [R, K], kind: 'other' as const },
      regionBoxes: { shape: [R, 4], kind: 'other' as const },
      regionMask: { shape: [R], kind: 'other' as const },
      logits: { shape: [K], kind: 'logits' as const },
    };
  }
  forward(b: Batch): TapValues {
    const n = b['proposals']!.shape[0]!;
    const scores = Array.from({ length: n }, (_, i) =>
      Array.from({ length: R }, (_, r) => Array.from({ length: K }, (_, k) => (this.best[i]![k] === r ? 1 : 0.1))),
    );
    return {
      regionScores: tf.tensor3d(scores),
      regionBoxes: b['proposals']!.clone(),
      regionMask: b['proposalMask']!.clone(),
      logits: tf.zeros([n, K]),
    };
  }
}

describe('wsd-kd: the teacher’s CorLoc (report)', () => {
  const split: DataSplit = { size: 2, batch: () => batch() } as unknown as DataSplit;
  const report = (best: number[][]) => {
    const method = new WsdKdMethod();
    const t = participant('teacher', 'teacher', new FixedDetector(best));
    const s = participant('student', 'student', student());
    method.setup(
      setupContext('wsd-kd', wsdKdHParams.parse({}), participant('teacher', 'teacher', teacher()), s, 7, undefined, {
        data,
      }),
    );
    return method.report({ split, batchSize: 2, student: s.model, participants: [t, s] });
  };

  it('is 1 when each present class’s top region is its box, lower when not (per class, averaged)', () => {
    // image 0: class 0 at proposal 0, class 2 at proposal 1; image 1: class 1 at proposal 0
    expect(
      report([
        [0, 0, 1],
        [2, 0, 2],
      ])['teacherCorLoc'],
    ).toBe(1);
    // class 2's top region is the whole image (IoU 0.25 with its box): classes 0, 1 hit, 2 misses
    expect(
      report([
        [0, 0, 2],
        [2, 0, 2],
      ])['teacherCorLoc'],
    ).toBeCloseTo(2 / 3, 12);
  });
});
