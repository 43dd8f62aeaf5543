import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { applyParameterConstraints } from '../contract/module.js';
import { UserError } from '../util/errors.js';
import { LearnedTemperature } from './learned-temperature.js';

/** One plain SGD step on `loss`, then the parameter constraints (as the trainer applies them); returns the gradient. */
function sgdStep(t: LearnedTemperature, lr: number, loss: () => tf.Scalar): number {
  const { grads } = tf.variableGrads(loss, [t.logScale]);
  const g = grads[t.logScale.name]!.dataSync()[0]!;
  t.logScale.assign(tf.sub(t.logScale, tf.mul(lr, grads[t.logScale.name]!)));
  tf.dispose(grads);
  applyParameterConstraints([t.logScale]);
  return g;
}

describe('LearnedTemperature: clamped as CLIP clamps it, after the step', () => {
  it('starts at s = log(1/τ₀) and τ = e^−s is differentiable below the bound', () => {
    const t = new LearnedTemperature(0.07);
    expect(t.logScale.dataSync()[0]).toBeCloseTo(Math.log(1 / 0.07), 6);
    expect(t.temperature().dataSync()[0]).toBeCloseTo(0.07, 6);
    // d τ / d s = −τ
    const { grads } = tf.variableGrads(() => t.temperature(), [t.logScale]);
    expect(grads[t.logScale.name]!.dataSync()[0]).toBeCloseTo(-0.07, 6);
    t.dispose();
  });

  it('a step past the bound is clamped to ln 100; the gradient there is alive, so s comes back', () => {
    const t = new LearnedTemperature(0.0125); // s = ln 80, just below the bound
    // loss that rewards a larger scale: −1/τ = −e^s
    const up = () => tf.neg(tf.div(1, t.temperature())) as tf.Scalar;
    sgdStep(t, 1, up); // s would jump to ln 80 + 80 ≫ ln 100
    expect(t.logScale.dataSync()[0]).toBeCloseTo(Math.log(100), 6);
    expect(t.temperature().dataSync()[0]).toBeCloseTo(0.01, 6);
    // at the bound, a loss that prefers a smaller scale still has a non-zero gradient
    const down = () => tf.div(1, t.temperature()) as tf.Scalar; // +e^s
    const g = sgdStep(t, 1e-3, down);
    expect(g).toBeCloseTo(100, 3);
    expect(t.logScale.dataSync()[0]).toBeLessThan(Math.log(100) - 0.05);
    t.dispose();
  });

  it('the lower bound: s stays ≥ 0 (τ ≤ 1), as in CLIP training', () => {
    const t = new LearnedTemperature(0.5);
    sgdStep(t, 10, () => t.temperature().mul(-1) as tf.Scalar); // pushes τ up, s down past 0
    expect(t.logScale.dataSync()[0]).toBe(0);
    t.dispose();
  });

  it('refuses a starting temperature the clamp would snap (outside [0.01, 1])', () => {
    expect(() => new LearnedTemperature(2)).toThrow(/starts in \[0\.01, 1\].*got 2/);
    expect(() => new LearnedTemperature(0.001)).toThrow(UserError);
    new LearnedTemperature(1).dispose();
    new LearnedTemperature(0.01).dispose();
  });

  it('no constraint on ordinary parameters', () => {
    const v = tf.variable(tf.scalar(1e6));
    applyParameterConstraints([v]);
    expect(v.dataSync()[0]).toBe(1e6);
    v.dispose();
  });
});
