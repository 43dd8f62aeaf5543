/**
 * Test helpers: tiny tapped CNNs (core's Conv2d/BatchNorm/Linear), a setup context, a step context,
 * tolerance checks against the PyTorch fixtures, and the conformance suite every method runs.
 */
export { TinyNet } from './tiny-net.js';
export { SpecModel } from './spec-model.js';
export { participant, setupContext, stepContext } from './contexts.js';
export { loadFixture, relErr, relErrTensor, tensorOf, type Arr } from './fixtures.js';
export { errorOf, expectFlatTensorCount, expectTeacherGetsNoGradient, gradNorm } from './checks.js';
export { tinyBatch, tinyDistillationRun } from './tiny-run.js';
export { describeMethodConformance } from './method-conformance.js';
export { MethodHarness, type ConformanceRun, type MethodConformance } from './method-harness.js';
export { expectRegistrationCreatesNoInstance, expectTermsDeclaredOnce } from './registration-check.js';
export { expectOnlyActiveTermsComputed } from './active-terms-check.js';
export { expectFrozenTeacherGetsNoGradient } from './frozen-teacher-check.js';
export { expectFlatTensorCountOverSteps } from './tensor-count-check.js';
export { recordKernels, type KernelRecord } from './kernel-tape.js';
export { annotatedSceneBatch, type AnnotatedImage } from './annotated-scene-batch.js';
