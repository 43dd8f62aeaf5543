/** Training steps as the trainer takes them (every term on, gradients taken and dropped) leak no tensor. */
import * as tf from '@tensorflow/tfjs';
import type { TapValues } from '@kd/core';
import { expectFlatTensorCount } from './checks.js';
import { MethodHarness, type MethodConformance } from './method-harness.js';

export async function expectFlatTensorCountOverSteps(c: MethodConformance, steps = 5): Promise<void> {
  const h = await MethodHarness.start(c);
  try {
    const all = MethodHarness.termNames(c.descriptor);
    const vars = h.trainableVariables();
    let index = 0;
    expectFlatTensorCount(() => {
      const kept: tf.Tensor[] = [];
      tf.tidy(() => {
        const frozen = h.outputs(false);
        let live: Record<string, TapValues> = {};
        const forward = () => {
          live = h.outputs(true);
          for (const values of Object.values(live)) for (const t of Object.values(values)) kept.push(tf.keep(t));
        };
        if (vars.length) {
          const { value, grads } = tf.variableGrads(() => {
            forward();
            return h.total(h.step({ ...frozen, ...live }, all, index));
          }, vars);
          value.dataSync();
          tf.dispose(Object.values(grads));
        } else {
          forward();
          h.total(h.step({ ...frozen, ...live }, all, index)).dataSync();
        }
        h.method.onStepEnd?.(h.step({ ...frozen, ...live }, all, index));
      });
      tf.dispose(kept);
      index++;
    }, steps);
  } finally {
    h.dispose();
  }
}
