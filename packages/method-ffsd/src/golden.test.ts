/**
 * Golden values from PyTorch (tools/golden/ffsd.py, re-stating the official FFSD code): the attention
 * map and its L2 loss, the attention-shift target (θ, the mixed-scale target, the shifted map), the
 * warm-up factor, the transposed convolution, the fusion module's forward, and every loss term of the
 * method with its gradient with respect to every network's taps and every module parameter (absent in
 * the fixture = must be exactly zero, which checks each detach).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { stepHelpers, type Module, type StepContext, type TappedModel } from '@kd/core';
import { loadFixture, participant, relErr, relErrTensor, setupContext, tensorOf, type Arr } from '@kd/testing';
import { attentionLoss, attentionMap, normalizedMse } from './attention.js';
import { attentionShift, diversityLoss, shiftedFeatureMap, type DiversityNorm } from './diversity.js';
import { warmupFactor } from './warmup.js';
import { ConvTranspose2d } from './conv-transpose2d.js';
import { FfsdMethod } from './ffsd.js';
import { ffsdHParams } from './hparams.js';
import { Rng } from '@kd/core';
import { FixedTapsNet } from '../test/fixed-taps-net.js';

interface ShiftCase {
  normalized: Arr;
  rawNorm: Arr;
  threshold: Arr;
  target: Arr;
  diversityLoss: number;
  gradCurrent: Arr;
  shiftedMap: Arr;
}
interface TermCase {
  term: string;
  loss: number;
  grads: Record<string, Arr>;
  runningAfter: Record<string, Arr>;
}
interface Golden {
  attention: { x: Arr; y: Arr; mapX: Arr; loss: number; gradX: Arr; vecY: Arr; vecLoss: number; vecGradX: Arr };
  shift: Record<DiversityNorm, ShiftCase>;
  warmup: { epoch: number; alpha: number; factor: number }[];
  convTranspose: { x: Arr; weight: Arr; out: Arr; probe: Arr; gradX: Arr; gradWeight: Arr };
  step: {
    taps: string[];
    commonStudents: number;
    numClasses: number;
    hparams: Record<string, number>;
    epoch: number;
    labels: number[];
    networks: Record<string, Arr>[];
    weights: Record<string, Record<string, Arr>>;
    fusionForward: { fused: Arr; logits: Arr };
    terms: TermCase[];
  };
}

const golden = loadFixture<Golden>(new URL('./__fixtures__/ffsd.golden.json', import.meta.url));
const VALUE_TOL = 1e-5;
const GRAD_TOL = 1e-5;

describe('ffsd primitives vs PyTorch', () => {
  it('attention map, attention L2 loss and its gradient', () => {
    const g = golden.attention;
    const x = tensorOf(g.x);
    const y = tensorOf(g.y);
    expect(relErrTensor(attentionMap(x), g.mapX)).toBeLessThan(VALUE_TOL);
    expect(relErr(attentionLoss(x, y).dataSync()[0]!, g.loss)).toBeLessThan(VALUE_TOL);
    expect(relErrTensor(tf.grad((v: tf.Tensor) => attentionLoss(v, y))(x), g.gradX)).toBeLessThan(GRAD_TOL);
  });

  it("normalised full-feature MSE (the SD modules' feature loss) and its gradient", () => {
    const g = golden.attention;
    const x = tensorOf(g.x);
    const y = tensorOf(g.vecY);
    expect(relErr(normalizedMse(x, y).dataSync()[0]!, g.vecLoss)).toBeLessThan(VALUE_TOL);
    expect(relErrTensor(tf.grad((v: tf.Tensor) => normalizedMse(v, y))(x), g.vecGradX)).toBeLessThan(GRAD_TOL);
  });

  for (const norm of ['raw', 'unit'] as const) {
    it(`attention shift (${norm} norm): θ = ⌊HW/3⌋-th smallest, target, diversity loss, shifted map`, () => {
      const g = golden.shift[norm];
      const x = tensorOf(golden.attention.x);
      const y = tensorOf(golden.attention.y);
      const s = attentionShift(attentionMap(y), norm);
      expect(relErrTensor(s.normalized, g.normalized)).toBeLessThan(VALUE_TOL);
      expect(relErrTensor(s.rawNorm, g.rawNorm)).toBeLessThan(VALUE_TOL);
      expect(relErrTensor(s.threshold, g.threshold)).toBeLessThan(VALUE_TOL);
      expect(relErrTensor(s.target, g.target)).toBeLessThan(VALUE_TOL);
      // the entry equal to θ maps to n/2 (sign 0), those below stay, those above flip to n − ŷ
      const yh = s.normalized.arraySync();
      const th = s.threshold.arraySync();
      const t = s.target.arraySync();
      const n = norm === 'raw' ? s.rawNorm.arraySync() : yh.map(() => [1]);
      yh.forEach((row, b) =>
        row.forEach((v, j) => {
          const want = v < th[b]![0]! ? v : v > th[b]![0]! ? n[b]![0]! - v : n[b]![0]! / 2;
          expect(t[b]![j]!).toBeCloseTo(want, 6);
        }),
      );
      expect(relErr(diversityLoss(x, y, norm).dataSync()[0]!, g.diversityLoss)).toBeLessThan(VALUE_TOL);
      expect(relErrTensor(tf.grad((v: tf.Tensor) => diversityLoss(v, y, norm))(x), g.gradCurrent)).toBeLessThan(
        GRAD_TOL,
      );
      expect(relErrTensor(shiftedFeatureMap(y as tf.Tensor4D, norm), g.shiftedMap)).toBeLessThan(VALUE_TOL);
    });
  }

  it('warm-up factor exp(−5(1 − e/α)²) for e ≤ α, 1 after (and α = 0 = off)', () => {
    for (const w of golden.warmup)
      expect(relErr(warmupFactor(w.epoch, w.alpha), w.factor), JSON.stringify(w)).toBeLessThan(1e-12);
  });

  it('ConvTranspose2d(k3, s2, p1, output_padding 1): output and gradients', () => {
    const g = golden.convTranspose;
    const [, , out, inC] = g.weight.shape;
    const layer = new ConvTranspose2d(inC!, out!, 3, 2, 1, 1, new Rng(1));
    layer.weight.assign(tensorOf(g.weight));
    const x = tensorOf(g.x) as tf.Tensor4D;
    const probe = tensorOf(g.probe);
    expect(relErrTensor(layer.apply(x), g.out)).toBeLessThan(VALUE_TOL);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x), probe)) as tf.Scalar, [layer.weight]);
    expect(relErrTensor(grads[layer.weight.name]!, g.gradWeight)).toBeLessThan(GRAD_TOL);
    expect(
      relErrTensor(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v as tf.Tensor4D), probe)))(x), g.gradX),
    ).toBeLessThan(GRAD_TOL);
  });
});

/** The method on the fixture's taps: leader = student, common students = FixedTapsNets, module weights assigned. */
function goldenMethod() {
  const s = golden.step;
  const nets = s.networks.map(
    (n) => new FixedTapsNet(Object.fromEntries(Object.entries(n).map(([k, v]) => [k, tensorOf(v)]))),
  );
  const [leader, ...peers] = nets;
  let built = 0;
  const hp = ffsdHParams.parse({ ...s.hparams, taps: s.taps, commonStudents: s.commonStudents });
  const method = new FfsdMethod();
  const ctx = setupContext(
    'ffsd',
    hp,
    undefined,
    participant('student', 'student', leader!),
    7,
    () => peers[built++]! as TappedModel,
  );
  method.setup({ ...ctx, data: { ...ctx.data, numClasses: s.numClasses } });
  const m = method.modules;
  const modules: Record<string, Module> = { fusion: m.fusion, trans: m.transFusion, sdLeader: m.sdLeader };
  m.sdPeers.forEach((sd, i) => sd && (modules[`sdPeer${i + 1}`] = sd));
  for (const [name, weights] of Object.entries(s.weights)) {
    const vars = modules[name]!.namedVariables();
    expect(new Set(Object.keys(weights))).toEqual(new Set(vars.keys()));
    for (const [path, w] of Object.entries(weights)) vars.get(path)!.assign(tensorOf(w));
  }
  // every variable a term may touch, by the fixture's key
  const variables = new Map<string, tf.Variable>();
  nets.forEach((net, i) => {
    for (const [tap, v] of net.namedParameters()) variables.set(`${i === 0 ? 'leader' : `peer${i}`}.${tap}`, v);
  });
  for (const [name, mod] of Object.entries(modules)) {
    for (const [path, v] of mod.namedParameters()) variables.set(`${name}::${path}`, v);
  }
  const buffers = new Map<string, tf.Variable>();
  for (const [name, mod] of Object.entries(modules)) {
    for (const [path, v] of mod.namedVariables()) if (path.includes('running')) buffers.set(`${name}::${path}`, v);
  }
  const step = (active: string[]): StepContext => ({
    ...stepHelpers({}, [], (m) => !m.isFrozen),
    batch: { x: tf.zeros([s.labels.length, 1, 1, 1]), y: tf.tensor1d(s.labels, 'int32') },
    outputs: {},
    student: leader!.forward(),
    epoch: s.epoch,
    step: 0,
    stepsPerEpoch: 1,
    totalEpochs: 10,
    active: new Set(active),
  });
  return { method, variables, buffers, step, modules };
}

describe('ffsd loss terms vs PyTorch (value, gradient into every tap and module parameter, running statistics)', () => {
  it('is set up from the fixture with as many modules as the official code (SD modules for peers 2..m)', () => {
    const { modules } = goldenMethod();
    expect(Object.keys(modules).sort()).toEqual(['fusion', 'sdLeader', 'sdPeer2', 'sdPeer3', 'trans']);
  });

  it('fusion module forward (training mode): fused map and logits', () => {
    const { method } = goldenMethod();
    const s = golden.step;
    const last = s.taps[s.taps.length - 1]!;
    const concat = tf.concat(
      s.networks.slice(1).map((n) => tensorOf(n[last]!)),
      3,
    ) as tf.Tensor4D;
    const out = method.modules.fusion.apply(concat, true);
    expect(relErrTensor(out.fused, s.fusionForward.fused)).toBeLessThan(VALUE_TOL);
    expect(relErrTensor(out.logits, s.fusionForward.logits)).toBeLessThan(VALUE_TOL);
  });

  for (const c of golden.step.terms) {
    it(c.term, () => {
      const { method, variables, buffers, step } = goldenMethod();
      const active = [c.term];
      const { value, grads } = tf.variableGrads(() => method.losses(step(active))[c.term]!, [...variables.values()]);
      expect(relErr(value.dataSync()[0]!, c.loss)).toBeLessThan(VALUE_TOL);
      for (const [key, v] of variables) {
        const g = grads[v.name];
        const want = c.grads[key];
        if (want) {
          expect(g, key).toBeDefined();
          expect(relErrTensor(g!, want), key).toBeLessThan(GRAD_TOL);
        } else if (g) {
          expect(tf.max(tf.abs(g)).dataSync()[0], `${key} must get no gradient`).toBe(0);
        }
      }
      for (const [key, want] of Object.entries(c.runningAfter)) {
        expect(relErrTensor(buffers.get(key)!, want), key).toBeLessThan(VALUE_TOL);
      }
    });
  }
});
