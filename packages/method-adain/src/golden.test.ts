/**
 * Golden values from PyTorch (tools/golden/adain.py): channel statistics, the AdaIN op, the
 * teacher's rest (the real `cnn` resumed at stage2 through forwardFrom), the `stat` term and the
 * `ain` term with both judges, with gradients w.r.t. the student feature and the connector; ≤ 1e-5.
 */
import * as tf from '@tensorflow/tfjs';
import type { TappedModel } from '@kd/core';
import { cnn } from '@kd/models';
import { describe, expect, it } from 'vitest';
import { AdainMethod, adainHParams, type Judge } from './adain.js';
import { adaIN, channelStats } from './statistics.js';
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

interface LossCase {
  loss: number;
  grads: Record<string, Arr>;
}

interface AdainGolden {
  eps: number;
  student: Arr;
  teacher: Arr;
  labels: number[];
  connector: Record<string, Arr>;
  teacherRest: Record<string, Arr>;
  teacherLogits: Arr;
  connected: Arr;
  studentStats: { mean: Arr; std: Arr };
  teacherStats: { mean: Arr; std: Arr };
  adain: Arr;
  injectedLogits: Arr;
  stat: LossCase;
  ain: (LossCase & { judge: Judge; tau: number })[];
}

const golden = loadFixture<AdainGolden>(new URL('./__fixtures__/adain.golden.json', import.meta.url));
const TOL = 1e-5;
const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** The small CNN (width 2) on 8x8x1 with its stage-3 and head weights from the fixture. */
function teacherNet(): TappedModel {
  const model = cnn.build({ inputShape: [8, 8, 1], numClasses: 5, seed: 0, options: { width: 2 } });
  const vars = model.namedVariables();
  for (const [path, a] of Object.entries(golden.teacherRest)) vars.get(path)!.assign(tensorOf(a));
  return model;
}

function methodFor(judge: Judge, tau: number) {
  const teacherModel = teacherNet();
  const student = participant(
    'student',
    'student',
    new SpecModel({ guided: { shape: golden.student.shape.slice(1), kind: 'feature' } }),
  );
  const hp = adainHParams.parse({ pairs: [{ student: 'guided', teacher: 'stage2' }], judge, tau, eps: golden.eps });
  const method = new AdainMethod();
  method.setup(setupContext('adain', hp, participant('teacher', 'teacher', teacherModel), student));
  const vars = method.connectors.items[0]!.namedVariables();
  for (const [path, a] of Object.entries(golden.connector)) vars.get(path)!.assign(tensorOf(a));
  return { method, teacherModel };
}

function compare(name: string, method: AdainMethod, term: 'stat' | 'ain', c: LossCase): void {
  const ft = tensorOf(golden.teacher);
  const teacher = { stage2: ft, logits: tensorOf(golden.teacherLogits) };
  const batch = { x: tf.zeros([4, 8, 8, 1]), y: tf.tensor1d(golden.labels, 'int32') };
  const f = (x: tf.Tensor) => method.losses(stepContext({ guided: x }, teacher, [term], batch))[term]!;
  const xs = tensorOf(golden.student);
  const errs: Record<string, number> = {};
  errs['loss'] = relErr(f(xs).dataSync()[0]!, c.loss);
  errs['grad student'] = relErrTensor(tf.grad(f)(xs), c.grads['student']!);
  const params = [...method.connectors.items[0]!.namedParameters()];
  const { grads } = tf.variableGrads(
    () => f(xs),
    params.map(([, v]) => v),
  );
  // A conv bias before training-mode BN gets an exactly zero gradient (torch ~1e-17): compare on the
  // scale of the weight gradient there, as the FitNets golden test does.
  const scale = maxAbs(c.grads['conv.weight']!.data);
  for (const [path, v] of params) {
    const want = c.grads[path]!;
    errs[`grad ${path}`] =
      maxAbs(want.data) < 1e-10 * scale
        ? maxAbs(grads[v.name]!.dataSync()) / scale
        : relErrTensor(grads[v.name]!, want);
  }
  console.info(
    `${name}: ${Object.entries(errs)
      .map(([k, e]) => `${k} ${e.toExponential(1)}`)
      .join(', ')}`,
  );
  for (const [k, e] of Object.entries(errs)) expect(e, k).toBeLessThanOrEqual(TOL);
}

describe('adain golden values (PyTorch)', () => {
  it('channel statistics and the AdaIN op', () => {
    const { method } = methodFor('kl', 4);
    const connected = method.connectors.items[0]!.apply(tensorOf(golden.student), true);
    const errs: Record<string, number> = { connected: relErrTensor(connected, golden.connected) };
    const s = channelStats(connected, golden.eps);
    const t = channelStats(tensorOf(golden.teacher), golden.eps);
    errs['student mean'] = relErrTensor(s.mean, golden.studentStats.mean);
    errs['student std'] = relErrTensor(s.std, golden.studentStats.std);
    errs['teacher mean'] = relErrTensor(t.mean, golden.teacherStats.mean);
    errs['teacher std'] = relErrTensor(t.std, golden.teacherStats.std);
    errs['adain'] = relErrTensor(adaIN(tensorOf(golden.teacher), s, golden.eps), golden.adain);
    console.info(
      `statistics: ${Object.entries(errs)
        .map(([k, e]) => `${k} ${e.toExponential(1)}`)
        .join(', ')}`,
    );
    for (const [k, e] of Object.entries(errs)) expect(e, k).toBeLessThanOrEqual(TOL);
  });

  it("the teacher's rest (cnn.forwardFrom('stage2')) on its own feature and on the injected one", () => {
    const { method, teacherModel } = methodFor('kl', 4);
    const batch = { x: tf.zeros([4, 8, 8, 1]) }; // the teacher's rest reads nothing from it
    const own = teacherModel.forwardFrom!('stage2', tensorOf(golden.teacher), batch, { training: false })['logits']!;
    const s = channelStats(method.connectors.items[0]!.apply(tensorOf(golden.student), true), golden.eps);
    const injected = method.injectedLogits('stage2', tensorOf(golden.teacher), s, batch);
    const errs = {
      own: relErrTensor(own, golden.teacherLogits),
      injected: relErrTensor(injected, golden.injectedLogits),
    };
    console.info(`teacher rest: own ${errs.own.toExponential(1)}, injected ${errs.injected.toExponential(1)}`);
    expect(errs.own).toBeLessThanOrEqual(TOL);
    expect(errs.injected).toBeLessThanOrEqual(TOL);
  });

  it('stat and its gradients', () => {
    compare('stat', methodFor('kl', 4).method, 'stat', golden.stat);
  });

  for (const c of golden.ain) {
    it(`ain (judge ${c.judge}${c.judge === 'kl' ? `, tau ${c.tau}` : ''}) and its gradients through the frozen teacher rest`, () => {
      compare(`ain ${c.judge} tau ${c.tau}`, methodFor(c.judge, c.tau).method, 'ain', c);
    });
  }
});
