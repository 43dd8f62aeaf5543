/**
 * `forwardFrom(tap, value, batch)` of the CNN classifiers: fed the model's own tap value it reproduces the
 * normal forward exactly (eval mode) for every resumable tap, and gradients flow to the injected value
 * (and not into a frozen model's variables unless they are asked for).
 */
import * as tf from '@tensorflow/tfjs';
import type { TappedModel } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { cnn, resnet, wrn } from './architectures/index.js';
import { build, inputBatch } from '../test/helpers.js';

const cases = [
  {
    name: 'cnn (width 4)',
    make: () => build(cnn, [8, 8, 1], { width: 4 }),
    resumable: ['stage1.pre', 'stage1', 'stage2.pre', 'stage2', 'stage3.pre', 'stage3', 'embedding'],
  },
  {
    name: 'resnet14 (width 4)',
    make: () => build(resnet, [8, 8, 1], { depth: 14, width: 4 }),
    resumable: ['stem', 'stage1.pre', 'stage1', 'stage2.pre', 'stage2', 'stage3.pre', 'stage3', 'embedding'],
  },
  {
    name: 'wrn-16-1',
    make: () => build(wrn, [8, 8, 1], { depth: 16, widen: 1 }),
    resumable: ['stem', 'stage1.pre', 'stage1', 'stage2.pre', 'stage2', 'stage3.pre', 'stage3', 'embedding'],
  },
];

/** Taps computed after `tap` in the forward order (the order of the declared specs is the order of computation). */
function downstreamOf(model: TappedModel, tap: string): string[] {
  const order = model.resumableTaps!();
  const after = order.slice(order.indexOf(tap) + 1);
  return [...after, 'logits'];
}

/** A BN with non-trivial running statistics, so eval mode differs from identity. */
function perturbBuffers(model: TappedModel): void {
  let k = 0;
  for (const [path, v] of model.namedVariables()) {
    if (path.endsWith('running_mean')) v.assign(tf.fill(v.shape, 0.05 * (++k % 3)));
    if (path.endsWith('running_var')) v.assign(tf.fill(v.shape, 1 + 0.1 * (++k % 4)));
  }
}

describe.each(cases)('forwardFrom: $name', ({ make, resumable }) => {
  it('lists its resumable taps', () => {
    const model = make();
    expect(model.resumableTaps!()).toEqual(resumable);
    for (const t of resumable) expect(model.tapSpecs()[t], t).toBeDefined();
    model.dispose();
  });

  it('equals the normal forward exactly when fed its own tap value (eval mode), for every resumable tap', () => {
    const model = make();
    perturbBuffers(model);
    const x = inputBatch(3, [8, 8, 1]);
    const full = model.forward({ x }, { training: false });
    for (const tap of model.resumableTaps!()) {
      const out = model.forwardFrom!(tap, full[tap]!, { x }, { training: false });
      const want = downstreamOf(model, tap);
      expect(Object.keys(out).sort(), tap).toEqual([...want].sort());
      for (const name of want) {
        expect(out[name]!.shape, `${tap} → ${name}`).toEqual(full[name]!.shape);
        expect(Array.from(out[name]!.dataSync()), `${tap} → ${name}`).toEqual(Array.from(full[name]!.dataSync()));
      }
      tf.dispose(Object.values(out));
    }
    tf.dispose(Object.values(full));
    model.dispose();
  });

  it('returns only the requested taps plus logits, and a different value changes the logits', () => {
    const model = make();
    const x = inputBatch(2, [8, 8, 1]);
    const full = model.forward({ x }, { training: false });
    const out = model.forwardFrom!('stage2', full['stage2']!, { x }, { training: false, taps: new Set(['stage3']) });
    expect(Object.keys(out).sort()).toEqual(['logits', 'stage3']);
    const shifted = model.forwardFrom!(
      'stage2',
      tf.mul(full['stage2']!, 1.5),
      { x },
      { training: false, taps: new Set() },
    );
    expect(Object.keys(shifted)).toEqual(['logits']);
    expect(tf.max(tf.abs(tf.sub(shifted['logits']!, full['logits']!))).dataSync()[0]).toBeGreaterThan(1e-4);
    model.dispose();
  });

  it('lets the gradient flow to the injected value; the model variables are only differentiated when asked', () => {
    const model = make();
    const x = inputBatch(2, [8, 8, 1]);
    const value = tf.tidy(() => model.forward({ x }, { training: false, taps: new Set(['stage1']) })['stage1']!);
    const v = tf.variable(value, true, `injected-${Math.random()}`);
    const params = model.trainableVariables();
    const before = tf.memory().numTensors;
    const { value: loss, grads } = tf.variableGrads(
      () => tf.sum(model.forwardFrom!('stage1', v, { x }, { training: false })['logits']!) as tf.Scalar,
      [v],
    );
    expect(Object.keys(grads)).toEqual([v.name]);
    expect(tf.tidy(() => tf.sum(tf.abs(grads[v.name]!)).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([loss, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    expect(params.length).toBeGreaterThan(0);
    v.dispose();
    model.dispose();
  });

  it('rejects a tap it cannot resume at', () => {
    const model = make();
    const batch = { x: inputBatch(1, [8, 8, 1]) };
    expect(() => model.forwardFrom!('logits', tf.zeros([1, 10]), batch, { training: false })).toThrow(
      /cannot resume at tap 'logits'/,
    );
    expect(() => model.forwardFrom!('stage9', tf.zeros([1, 1, 1, 1]), batch, { training: false })).toThrow(/stage9/);
    model.dispose();
  });
});
