/**
 * "Weight 0 switches a term off (not computed)": `losses` returns exactly the active terms (rank-0,
 * finite) and computes nothing else. With no term active it runs no kernel at all; with one term
 * active, or all but one, it spends no more kernels on things its result does not depend on than
 * with every term active (those are running statistics and the like), so an inactive term computed
 * and then dropped, or only partly computed, is seen. The same holds for the `losses` of each of
 * the method's own stages, over the terms the stage declares.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { recordKernels } from './kernel-tape.js';
import { MethodHarness, type MethodConformance } from './method-harness.js';

export async function expectOnlyActiveTermsComputed(c: MethodConformance): Promise<void> {
  const h = await MethodHarness.start(c);
  try {
    const outputs = { ...h.outputs(false), ...h.outputs(true) };
    expectOnlyActiveComputed('losses', MethodHarness.termNames(c.descriptor), (active) =>
      h.method.losses(h.step(outputs, active)),
    );
    for (const stage of h.method.stages?.() ?? []) {
      expectOnlyActiveComputed(
        `stage '${stage.name}'`,
        stage.terms.map((t) => t.name),
        (active) => stage.losses(h.step(outputs, active)),
      );
    }
  } finally {
    h.dispose();
  }
}

function expectOnlyActiveComputed(
  who: string,
  all: readonly string[],
  losses: (active: readonly string[]) => Record<string, tf.Scalar>,
): void {
  const call = (active: readonly string[]) => {
    const { result, kernels, unused } = recordKernels(() => losses(active));
    const invalid = Object.entries(result)
      .filter(([, v]) => v.rank !== 0 || !Number.isFinite(v.dataSync()[0]!))
      .map(([k]) => k);
    tf.dispose(Object.values(result));
    return { names: Object.keys(result).sort(), invalid, kernels, unused };
  };
  const sorted = (names: readonly string[]) => [...names].sort();
  // Every term once first, so that lazily made state (caches, …) exists before kernels are counted.
  expect(call(all).names, `${who}: terms returned with every term active`).toEqual(sorted(all));
  const full = call(all);
  expect(full.invalid, `${who}: terms that are not finite scalars`).toEqual([]);
  const none = call([]);
  expect(none.names, `${who}: terms returned with no term active`).toEqual([]);
  expect(none.kernels, `${who}: kernels run with no term active`).toBe(0);
  if (all.length < 2) return;
  for (const term of all) {
    for (const active of [[term], all.filter((t) => t !== term)]) {
      const r = call(active);
      const which = `only ${active.join(', ')} active`;
      expect(r.names, `${who}: terms returned with ${which}`).toEqual(sorted(active));
      expect(r.invalid, `${who}: terms that are not finite scalars`).toEqual([]);
      expect(
        r.unused,
        `${who}: kernels no returned term depends on, with ${which} (${full.unused} with every term): an inactive term computed?`,
      ).toBeLessThanOrEqual(full.unused);
    }
  }
}
