import { registerMethod, type DependencyContainer } from '@kd/core';
import { vildDescriptor } from './descriptor.js';

export { vildDescriptor } from './descriptor.js';
export { VildMethod, vildHParams, vildTerms, type VildHParams } from './vild.js';
export { l2NormalizeRows, vildImageLoss } from './vild-image-loss.js';

/** Registers the `vild` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, vildDescriptor);
}
