import * as tf from '@tensorflow/tfjs';
import { participant, setupContext, stepContext } from '@kd/testing';
import type { SceneCaptionsDataset } from '@kd/text';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinySceneCaptions, tinyVlScene } from '../test/tiny-scenes.js';
import { DistillVlmMethod, distillVlmHParams } from './distillvlm.js';
import { mappedLayers } from './layer-map.js';

let data: SceneCaptionsDataset;
const build = (seed: number, options: Record<string, unknown>) => tinyVlScene(data, seed, options);

beforeAll(async () => {
  await tf.setBackend('cpu');
  data = await tinySceneCaptions();
});

function setUp(hp: Record<string, unknown>, teacherOptions: Record<string, unknown> = {}, active?: string[]) {
  const teacher = participant(
    'teacher',
    'teacher',
    build(5, { width: 8, layers: 2, dModel: 24, ffn: 48, ...teacherOptions }),
  );
  const student = participant('student', 'student', build(3, { width: 4, layers: 1, dModel: 16, ffn: 32 }));
  const ctx = {
    ...setupContext('distillvlm', distillVlmHParams.parse(hp), teacher, student, 7, undefined, { data }),
    ...(active ? { activeTerms: new Set(active) } : {}),
  };
  const method = new DistillVlmMethod();
  method.setup(ctx);
  return { method, teacher, student };
}

/** One step's losses on `indices` (the models' taps of that batch), then the step's end. */
function step(m: ReturnType<typeof setUp>, indices: number[], active: string[]) {
  const batch = data.split('train').batch(Int32Array.from(indices));
  const taps = m.method.requiredTaps();
  const tapsOf = (role: 'student' | 'teacher') => new Set(taps.filter((t) => t.role === role).map((t) => t.tap));
  const s = m.student.model.forward(batch, { training: false, taps: tapsOf('student') });
  const t = m.teacher.model.forward(batch, { training: false, taps: tapsOf('teacher') });
  const ctx = stepContext(s, t, active, batch, [m.teacher, m.student]);
  const losses = m.method.losses(ctx);
  const values = Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v.dataSync()[0]!]));
  m.method.onStepEnd();
  return values;
}

describe('distillvlm', () => {
  it('maps student layers to teacher layers uniformly (1-based, the last paired)', () => {
    expect(mappedLayers(4, 4)).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    expect(mappedLayers(2, 4)).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect(mappedLayers(3, 12)).toEqual([
      [1, 4],
      [2, 8],
      [3, 12],
    ]);
    expect(mappedLayers(1, 2)).toEqual([[1, 2]]);
  });

  it('reads only the taps of its active terms', () => {
    const att = setUp({}, {}, ['att']);
    expect(att.method.requiredTaps()).toEqual([
      { role: 'student', tap: 'layer1.attention' },
      { role: 'teacher', tap: 'layer2.attention' },
    ]);
    expect(att.method.auxModules()).toEqual([]);
    const nce = setUp({ stateLayers: 'last' }, {}, ['nce']);
    expect(nce.method.requiredTaps()).toEqual([
      { role: 'student', tap: 'layer1' },
      { role: 'teacher', tap: 'layer2' },
    ]);
    expect([...nce.method.auxModules()[0]!.module.namedParameters().keys()]).toEqual([
      'student1.weight',
      'teacher1.weight',
    ]);
    expect(nce.method.requiredBatchKeys().map((k) => k.key)).toEqual(['tokenMask', 'biasedProposalMask']);
  });

  it('the queue: each step enqueues its real teacher tokens after the loss; a restored queue gives the same next loss', () => {
    const hp = { queueSize: 16, projectionDim: 8 };
    const a = setUp(hp, {}, ['nce']);
    const mask = (idx: number[]) => {
      const b = data.split('train').batch(Int32Array.from(idx));
      const text = tf.sum(b['tokenMask']!).dataSync()[0]!;
      const regions = tf.sum(tf.slice(b['biasedProposalMask']!, [0, 0], [idx.length, 4])).dataSync()[0]!;
      return text + regions;
    };
    // an empty queue and no in-batch negatives: only the positive, so the loss is 0
    const first = step(a, [0, 1], ['nce']);
    expect(first['nce']).toBe(0);
    const s1 = a.method.getState();
    const n1 = mask([0, 1]);
    expect(s1.values).toEqual({ 'queue1.head': n1 % 16, 'queue1.filled': Math.min(16, n1) });
    // resume: a fresh method given the saved state computes the same next loss as the original
    const saved = { tensors: { queue1: s1.tensors['queue1']!.clone() }, values: { ...s1.values } };
    const b = setUp(hp, {}, ['nce']);
    b.method.setState(saved);
    saved.tensors.queue1.dispose(); // setState keeps its own copy
    const projA = a.method.auxModules()[0]!.module.namedParameters();
    const projB = b.method.auxModules()[0]!.module.namedParameters();
    for (const [k, v] of projA) projB.get(k)!.assign(v); // the same projections (the optimizer's business in a run)
    const nextA = step(a, [2, 3], ['nce']);
    const nextB = step(b, [2, 3], ['nce']);
    expect(nextB['nce']).toBe(nextA['nce']);
    // and the queue moved on: wraps around at 16
    const n2 = mask([2, 3]);
    expect(a.method.getState().values).toEqual({
      'queue1.head': (n1 + n2) % 16,
      'queue1.filled': Math.min(16, n1 + n2),
    });
    // with the first step's tokens as negatives the loss is positive
    expect(nextA['nce']).toBeGreaterThan(0);
  });

  it('computes every term, each finite, with a VQA-like or captioning head for logit', () => {
    expect(() => setUp({ queueSize: 8, projectionDim: 8 }, {}, undefined)).toThrow(/logit distils VQA answers/);
    const causal = (() => {
      const teacher = participant(
        'teacher',
        'teacher',
        build(5, { width: 8, layers: 2, dModel: 24, ffn: 48, textAttention: 'causal' }),
      );
      const student = participant(
        'student',
        'student',
        build(3, { width: 4, layers: 1, dModel: 16, ffn: 32, textAttention: 'causal' }),
      );
      const method = new DistillVlmMethod();
      method.setup(
        setupContext(
          'distillvlm',
          distillVlmHParams.parse({ queueSize: 8, projectionDim: 8, inBatchNegatives: true }),
          teacher,
          student,
          7,
          undefined,
          { data },
        ),
      );
      return { method, teacher, student };
    })();
    const values = step(causal, [0, 1, 2], ['att', 'nce', 'hidden_mse', 'logit']);
    expect(Object.keys(values).sort()).toEqual(['att', 'hidden_mse', 'logit', 'nce']);
    for (const v of Object.values(values)) expect(Number.isFinite(v) && v > 0).toBe(true);
  });

  it.each([
    [{ heads: 4, dModel: 24 }, /att pairs attention heads one to one: student heads 2, teacher heads 4/],
    [{ regions: 3 }, /pairs tokens one to one: student regions 4, teacher 3/],
  ])('refuses models whose tokens or heads do not pair up, in one line: %j', (teacherOptions, message) => {
    expect(() => setUp({}, { ...teacherOptions })).toThrow(message);
  });
});
