import { registerMethod, type DependencyContainer } from '@kd/core';
import { vlPretrainDescriptor } from './descriptor.js';

export { vlPretrainDescriptor } from './descriptor.js';
export { VlPretrainMethod, vlPretrainHParams, vlPretrainTerms, type VlPretrainHParams } from './vl-pretrain.js';
export { maskTokens, type MaskedTokens, type MaskingOptions } from './token-masking.js';
export { mismatchedCaptions, type MismatchedCaptions } from './mismatched-captions.js';
export { maskedTokenLoss, matchingLoss } from './pretraining-losses.js';
export { classWordIds } from './class-words.js';

/** Registers the `vl-pretrain` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, vlPretrainDescriptor);
}
