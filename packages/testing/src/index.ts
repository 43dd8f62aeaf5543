/**
 * Test helpers: tiny tapped CNNs (core's Conv2d/BatchNorm/Linear), a setup context, a step context,
 * and tolerance checks against the PyTorch fixtures.
 */
export { TinyNet } from './tiny-net.js';
export { SpecModel } from './spec-model.js';
export { participant, setupContext, stepContext } from './contexts.js';
export { loadFixture, relErr, relErrTensor, tensorOf, type Arr } from './fixtures.js';
export { errorOf, expectFlatTensorCount, expectTeacherGetsNoGradient, gradNorm } from './checks.js';
