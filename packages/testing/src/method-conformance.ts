/**
 * The checks every method package runs on itself (`conformance.test.ts`):
 *
 *   describeMethodConformance({ descriptor, register, run: () => tinyDistillationRun(descriptor) });
 */
import { describe, it } from 'vitest';
import { expectOnlyActiveTermsComputed } from './active-terms-check.js';
import { expectFrozenTeacherGetsNoGradient } from './frozen-teacher-check.js';
import type { MethodConformance } from './method-harness.js';
import { expectRegistrationCreatesNoInstance, expectTermsDeclaredOnce } from './registration-check.js';
import { expectFlatTensorCountOverSteps } from './tensor-count-check.js';

export function describeMethodConformance(c: MethodConformance): void {
  describe(`${c.descriptor.id}: method conformance`, () => {
    it('registering and listing create no instance; each run container resolves a fresh one', () => {
      expectRegistrationCreatesNoInstance(c.descriptor, c.register);
    });
    it('declares its terms once, on the descriptor', () => {
      expectTermsDeclaredOnce(c.descriptor, c.register);
    });
    it('computes only the active terms', () => expectOnlyActiveTermsComputed(c));
    it('gives the frozen teacher no gradient (its taps are constants, it stays unchanged)', () =>
      expectFrozenTeacherGetsNoGradient(c));
    it('keeps the tensor count flat over training steps (every term on)', () => expectFlatTensorCountOverSteps(c));
  });
}
