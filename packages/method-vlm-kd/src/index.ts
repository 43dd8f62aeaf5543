import { registerMethod, type DependencyContainer } from '@kd/core';
import { vlmKdDescriptor } from './descriptor.js';

export { vlmKdDescriptor } from './descriptor.js';
export { VlmKdMethod } from './vlm-kd.js';
export { vlmKdHParams, vlmKdTerms, type VlmKdHParams } from './hparams.js';
export { captionContrastive, type SameClassMode } from './caption-contrastive.js';
export { balancedSoftmaxCrossEntropy, classCounts, logClassPrior } from './balanced-softmax.js';
export { CaptionEmbeddingCache, type TextEncodeFn } from './caption-embedding-cache.js';
export { TextAdaptor, ImageProjection, l2Rows } from './text-adaptor.js';
export { VocabularyGuard } from './vocabulary-guard.js';

/** Registers the `vlm-kd` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, vlmKdDescriptor);
}
