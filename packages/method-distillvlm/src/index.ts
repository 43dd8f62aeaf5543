import { registerMethod, type DependencyContainer } from '@kd/core';
import { distillVlmDescriptor } from './descriptor.js';

export { distillVlmDescriptor } from './descriptor.js';
export { DistillVlmMethod, distillVlmHParams, distillVlmTerms, type DistillVlmHParams } from './distillvlm.js';
export { maskedAttentionMse, type AttentionReduction } from './attention-mse.js';
export { queueTokenNce, type TokenNceOptions } from './token-nce.js';
export { enqueueRows, type QueueState } from './token-queue.js';
export { hiddenMse } from './hidden-mse.js';
export { answerLogitKd, sequenceLogitKd } from './logit-kd.js';
export { mappedLayers } from './layer-map.js';
export { validTokenRows } from './valid-tokens.js';

/** Registers the `distillvlm` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, distillVlmDescriptor);
}
