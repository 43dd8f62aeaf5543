import { registerMethod, type DependencyContainer } from '@kd/core';
import { atDescriptor } from './descriptor.js';

export { atDescriptor } from './descriptor.js';
export { AtMethod, atHParams, atTerms, tapPair, type AtHParams, type TapPair } from './at.js';
export { attentionMap, attentionPairLoss } from './attention.js';

/** Registers the `at` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, atDescriptor);
}
