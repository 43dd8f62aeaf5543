import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TappedModel } from '@kd/core';
import { architectures } from './architectures/index.js';
import { CifarResNet } from './resnet.js';
import { build, inputBatch, valuesOf } from '../test/helpers.js';

const byId = (id: string) => architectures.find((a) => a.id === id)!;
const SHAPE = [12, 12, 3];

describe('batch norm: training vs inference', () => {
  for (const id of ['resnet8', 'wrn', 'cnn']) {
    it(`${id}: running stats change only in training`, () => {
      const model = build(byId(id), SHAPE, id === 'wrn' ? { depth: 10, widen: 1 } : {});
      const x = inputBatch(2, SHAPE);
      const buffers = () =>
        new Map(
          [...model.namedVariables()]
            .filter(([k]) => k.includes('running_'))
            .map(([k, v]) => [k, Array.from(v.dataSync())]),
        );
      const initial = buffers();
      expect(initial.size).toBeGreaterThan(0);

      const e1 = model.forward({ x }, { training: false, taps: new Set() });
      expect(buffers()).toEqual(initial);
      const e2 = model.forward({ x }, { training: false, taps: new Set() });
      expect(Array.from(e2.logits!.dataSync())).toEqual(Array.from(e1.logits!.dataSync()));

      const t = model.forward({ x }, { training: true, taps: new Set() });
      const after = buffers();
      for (const [k, v] of after) expect([k, v]).not.toEqual([k, initial.get(k)]);
      // batch statistics differ from the (fresh) running statistics, so the outputs differ too
      expect(Array.from(t.logits!.dataSync())).not.toEqual(Array.from(e1.logits!.dataSync()));
      // inference after training uses the updated running stats, and again changes nothing
      const e3 = model.forward({ x }, { training: false, taps: new Set() });
      expect(buffers()).toEqual(after);
      expect(Array.from(e3.logits!.dataSync())).not.toEqual(Array.from(e1.logits!.dataSync()));
      [e1, e2, t, e3].forEach((o) => o.logits!.dispose());
      x.dispose();
      model.dispose();
    });
  }
});

describe('seeded initialisation', () => {
  for (const id of ['resnet8', 'wrn-16-2', 'cnn']) {
    it(`${id}: same seed → identical weights, different seed → different`, () => {
      const a = build(byId(id), SHAPE, {}, 42);
      const b = build(byId(id), SHAPE, {}, 42);
      const c = build(byId(id), SHAPE, {}, 43);
      const va = valuesOf(a);
      const vb = valuesOf(b);
      const vc = valuesOf(c);
      expect([...va.keys()]).toEqual([...vb.keys()]);
      for (const [k, v] of va) expect(vb.get(k)).toEqual(v);
      const trainable = [...a.namedParameters().keys()].filter((k) => k.endsWith('weight'));
      for (const k of trainable) expect([k, vc.get(k)]).not.toEqual([k, va.get(k)]);
      [a, b, c].forEach((m) => m.dispose());
    });
  }

  it('BN starts at gamma 1, beta 0, mean 0, var 1; conv weights are kaiming-normal (fan-out)', () => {
    const m = build(byId('resnet20'), [32, 32, 3], {}, 3) as CifarResNet;
    const vars = valuesOf(m);
    for (const [k, v] of vars) {
      if (k.endsWith('.gamma') || k.endsWith('.running_var')) expect(v.every((x) => x === 1)).toBe(true);
      if (k.endsWith('.beta') || k.endsWith('.running_mean')) expect(v.every((x) => x === 0)).toBe(true);
    }
    // layer3.1.conv2: 3x3, 64 out → std sqrt(2 / (9 · 64))
    const w = vars.get('layer3.1.conv2.weight')!;
    const mean = w.reduce((s, x) => s + x, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (9 * 64)), 2);
    // fc: PyTorch default, uniform in ±1/sqrt(fan_in)
    const bound = 1 / Math.sqrt(64);
    expect(vars.get('fc.weight')!.every((x) => Math.abs(x) <= bound)).toBe(true);
    expect(vars.get('fc.bias')!.every((x) => Math.abs(x) <= bound)).toBe(true);
    m.dispose();
  });
});

describe('variable paths', () => {
  it('use PyTorch-style dotted names', () => {
    const r = build(byId('resnet8'), SHAPE);
    expect([...r.namedVariables().keys()]).toEqual(
      expect.arrayContaining([
        'conv1.weight',
        'bn1.gamma',
        'bn1.running_mean',
        'layer1.0.conv1.weight',
        'layer1.0.bn2.beta',
        'layer2.0.downsample.0.weight',
        'layer2.0.downsample.1.gamma',
        'layer3.0.conv2.weight',
        'fc.weight',
        'fc.bias',
      ]),
    );
    expect([...r.namedVariables().keys()].some((k) => k.startsWith('layer1.0.downsample'))).toBe(false);
    const w = build(byId('wrn-16-2'), SHAPE);
    expect([...w.namedVariables().keys()]).toEqual(
      expect.arrayContaining([
        'block1.layer.0.bn1.gamma',
        'block1.layer.0.convShortcut.weight',
        'block3.layer.1.conv2.weight',
        'bn1.beta',
        'fc.weight',
      ]),
    );
    r.dispose();
    w.dispose();
  });
});

describe('gradients and freezing (resnet8)', () => {
  let model: TappedModel;
  let x: tf.Tensor4D;
  beforeAll(() => {
    model = build(byId('resnet8'), SHAPE);
    x = inputBatch(2, SHAPE);
  });
  afterAll(() => {
    model.dispose();
    x.dispose();
  });

  it('a gradient of sum(logits) reaches every trainable variable (training mode)', () => {
    const vars = model.trainableVariables();
    expect(vars.length).toBe(model.namedParameters().size);
    const names = new Map([...model.namedParameters()].map(([k, v]) => [v.name, k]));
    const { value, grads } = tf.variableGrads(
      () => tf.sum(model.forward({ x }, { training: true, taps: new Set() }).logits!) as tf.Scalar,
      vars,
    );
    expect(Object.keys(grads).length).toBe(vars.length);
    for (const [vname, g] of Object.entries(grads)) {
      const maxAbs = tf.max(tf.abs(g)).dataSync()[0]!;
      expect([names.get(vname), maxAbs > 0]).toEqual([names.get(vname), true]);
    }
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
  });

  it('sum(logits) also reaches every variable in inference mode', () => {
    const vars = model.trainableVariables();
    const { value, grads } = tf.variableGrads(
      () => tf.sum(model.forward({ x }, { training: false, taps: new Set() }).logits!) as tf.Scalar,
      vars,
    );
    for (const g of Object.values(grads)) expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
  });

  it('a frozen model lists no trainable variables (and still counts its parameters)', () => {
    const n = model.paramCount();
    model.setFrozen(true);
    expect(model.trainableVariables()).toEqual([]);
    expect(model.namedParameters().size).toBe(0);
    expect(model.paramCount()).toBe(n);
    expect(model.namedVariables().size).toBeGreaterThan(0);
    model.setFrozen(false);
    expect(model.trainableVariables().length).toBeGreaterThan(0);
  });
});

describe('memory', () => {
  for (const id of ['resnet8', 'wrn', 'cnn']) {
    it(`${id}: no tensors leak over 5 forward passes inside tidy`, () => {
      const model = build(byId(id), SHAPE, id === 'wrn' ? { depth: 10, widen: 1 } : {});
      const x = inputBatch(2, SHAPE);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) {
        tf.tidy(() => {
          const out = model.forward({ x }, { training: i % 2 === 0 });
          return tf.sum(out.logits!);
        }).dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      // a forward pass outside tidy leaves exactly the returned taps
      const out = model.forward({ x }, { training: true });
      expect(tf.memory().numTensors - before).toBe(Object.keys(out).length);
      Object.values(out).forEach((t) => t.dispose());
      expect(tf.memory().numTensors).toBe(before);
      expect(x.isDisposed).toBe(false);
      x.dispose();
      model.dispose();
    });
  }
});
