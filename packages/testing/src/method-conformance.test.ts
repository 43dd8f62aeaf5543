/**
 * The conformance checks fail on methods that break the contract: a toy method with two terms (and a
 * stage of its own on them), correct and with one flaw at a time.
 */
import * as tf from '@tensorflow/tfjs';
import {
  detach,
  injectable,
  METHOD_DESCRIPTOR,
  mse,
  registerMethod,
  z,
  type DistillationMethod,
  type MethodDescriptor,
  type PluginRegister,
  type StageSpec,
  type StepContext,
  type TapRequest,
} from '@kd/core';
import { describe, expect, it } from 'vitest';
import { expectOnlyActiveTermsComputed } from './active-terms-check.js';
import { expectFrozenTeacherGetsNoGradient } from './frozen-teacher-check.js';
import type { MethodConformance } from './method-harness.js';
import { expectRegistrationCreatesNoInstance, expectTermsDeclaredOnce } from './registration-check.js';
import { expectFlatTensorCountOverSteps } from './tensor-count-check.js';
import { tinyDistillationRun } from './tiny-run.js';

type Flaw = 'none' | 'returns inactive' | 'computes inactive' | 'stage returns inactive' | 'not detached' | 'leaks';
let flaw: Flaw = 'none';

@injectable()
class Toy implements DistillationMethod {
  setup = (): void => undefined;
  requiredTaps = (): readonly TapRequest[] =>
    (['teacher', 'student'] as const).map((role) => ({ role, tap: 'logits' }));
  auxModules = (): [] => [];
  /** A stage of its own on the same two terms. */
  stages = (): readonly StageSpec[] => [
    {
      name: 'warm',
      description: 'the two terms before distillation',
      defaultEpochs: 1,
      terms: descriptor.terms,
      trainable: ['student'],
      taps: this.requiredTaps(),
      losses: (step) =>
        this.losses(flaw === 'stage returns inactive' ? { ...step, active: new Set(['a', 'b']) } : step),
    },
  ];
  losses(step: StepContext): Record<string, tf.Scalar> {
    const s = step.student['logits']!;
    const t = flaw === 'not detached' ? step.teacher!['logits']! : detach(step.teacher!['logits']!);
    const on = (term: string) => step.active.has(term) || flaw === 'returns inactive';
    const out: Record<string, tf.Scalar> = {};
    if (on('a')) out['a'] = mse(s, t);
    const b =
      on('b') || (flaw === 'computes inactive' && step.active.size > 0)
        ? (tf.mean(tf.abs(tf.sub(s, t))) as tf.Scalar)
        : undefined;
    if (b && step.active.has('b')) out['b'] = b;
    if (flaw === 'leaks') tf.keep(tf.zeros([1]));
    return out;
  }
}

class ToyWithTerms extends Toy {
  readonly terms = descriptor.terms;
}

const descriptor: MethodDescriptor = {
  id: 'toy',
  title: 'toy',
  description: 'two losses between student and teacher logits',
  paper: { title: '-', authors: '-', venue: '-', year: 2000 },
  hparams: z.object({}),
  terms: [
    { name: 'a', defaultWeight: 1, description: 'mse' },
    { name: 'b', defaultWeight: 1, description: 'mean absolute error' },
  ],
  impl: Toy,
};
const register: PluginRegister = (c) => registerMethod(c, descriptor);
const toy: MethodConformance = { descriptor, register, run: () => tinyDistillationRun(descriptor) };

describe('the method conformance checks', () => {
  it('pass a method that keeps the contract', async () => {
    flaw = 'none';
    expectRegistrationCreatesNoInstance(descriptor, register);
    expectTermsDeclaredOnce(descriptor, register);
    await expectOnlyActiveTermsComputed(toy);
    await expectFrozenTeacherGetsNoGradient(toy);
    await expectFlatTensorCountOverSteps(toy);
  });

  it('fail a method that returns, or only computes, a term that is off', async () => {
    for (const f of ['returns inactive', 'computes inactive'] as const) {
      flaw = f;
      await expect(expectOnlyActiveTermsComputed(toy), f).rejects.toThrow();
    }
    flaw = 'stage returns inactive'; // in one of its own stages
    await expect(expectOnlyActiveTermsComputed(toy)).rejects.toThrow(
      /stage 'warm': terms returned with no term active/,
    );
    flaw = 'none';
  });

  it("fail a method that lets a gradient into the frozen teacher's taps", async () => {
    flaw = 'not detached';
    await expect(expectFrozenTeacherGetsNoGradient(toy)).rejects.toThrow(/gradient into the frozen tap teacher.logits/);
    flaw = 'none';
  });

  it('fail a method that leaks a tensor per step', async () => {
    flaw = 'leaks';
    await expect(expectFlatTensorCountOverSteps(toy)).rejects.toThrow();
    flaw = 'none';
  });

  it('fail a package that registers an instance or one class for all runs, or repeats the terms on the instance', () => {
    const instance: PluginRegister = (c) => {
      c.register(Toy, { useValue: new Toy() });
      c.register(METHOD_DESCRIPTOR, { useValue: descriptor });
    };
    expect(() => expectRegistrationCreatesNoInstance(descriptor, instance)).toThrow(/registers Toy as a class/);
    const transient: PluginRegister = (c) => {
      c.register(Toy, { useClass: Toy });
      c.register(METHOD_DESCRIPTOR, { useValue: descriptor });
    };
    expect(() => expectRegistrationCreatesNoInstance(descriptor, transient)).toThrow(/one instance per run container/);
    const repeated = { ...descriptor, impl: ToyWithTerms };
    expect(() => expectTermsDeclaredOnce(repeated, (c) => registerMethod(c, repeated))).toThrow(
      /repeats the descriptor's terms/,
    );
  });
});
