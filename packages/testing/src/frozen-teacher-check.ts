/**
 * "Teacher taps are constants (no gradient) unless trainable": in a training step with every term on,
 * no gradient reaches a frozen participant's taps (they stand in the step as variables, so a method
 * that forgot to detach one is seen) nor its variables (none is among what the trainer optimises:
 * the method leaves it frozen and exposes none of its variables as an aux module), the frozen
 * participant is unchanged afterwards (no statistics updated), and the trainable side gets a gradient.
 * A run without a frozen participant checks instead that the method reads no teacher tap.
 */
import * as tf from '@tensorflow/tfjs';
import type { TapValues } from '@kd/core';
import { expect } from 'vitest';
import { gradNorm } from './checks.js';
import { MethodHarness, type MethodConformance } from './method-harness.js';

export async function expectFrozenTeacherGetsNoGradient(c: MethodConformance): Promise<void> {
  const h = await MethodHarness.start(c);
  try {
    const frozen = h.frozen;
    if (!frozen.length) {
      expect(
        h.method.requiredTaps().filter((r) => r.role === 'teacher'),
        'teacher taps read in a run without a teacher',
      ).toEqual([]);
      return;
    }
    const snapshot = () =>
      new Map(
        frozen.flatMap((p) => [...p.model.namedVariables(`${p.name}.`)].map(([k, v]) => [k, Array.from(v.dataSync())])),
      );
    const before = snapshot();
    const frozenVars = new Set(frozen.flatMap((p) => [...p.model.namedVariables().values()]));
    const trainable = h.trainableVariables();
    expect(
      trainable.filter((v) => frozenVars.has(v)).map((v) => v.name),
      "a frozen participant's variables among the trainable ones",
    ).toEqual([]);

    const tapVars: [string, tf.Variable][] = [];
    const constants: Record<string, TapValues> = {};
    for (const [name, values] of Object.entries(h.outputs(false))) {
      constants[name] = Object.fromEntries(
        Object.entries(values).map(([tap, v]) => {
          const variable = tf.variable(v, true);
          tapVars.push([`${name}.${tap}`, variable]);
          return [tap, variable];
        }),
      );
    }
    const all = MethodHarness.termNames(c.descriptor);
    const { value, grads } = tf.variableGrads(
      () => h.total(h.step({ ...constants, ...h.outputs(true) }, all)),
      [...trainable, ...tapVars.map(([, v]) => v)],
    );
    for (const [name, v] of tapVars) expect(gradNorm(grads[v.name]), `gradient into the frozen tap ${name}`).toBe(0);
    expect(
      trainable.some((v) => gradNorm(grads[v.name]) > 0),
      'a trainable variable gets a gradient',
    ).toBe(true);
    for (const p of frozen) expect(p.model.trainableVariables().length, `${p.name} is still frozen`).toBe(0);
    const after = snapshot();
    for (const [k, v] of before) expect(after.get(k), `${k} unchanged`).toEqual(v);
    tf.dispose([value, ...Object.values(grads), ...tapVars.map(([, v]) => v)]);
  } finally {
    h.dispose();
  }
}
