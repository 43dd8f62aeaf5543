import { registerMethod, type DependencyContainer } from '@kd/core';
import { kdDescriptor } from './descriptor.js';

export { kdDescriptor } from './descriptor.js';
export { KdMethod, kdHParams, kdTerms, type KdHParams } from './kd.js';

/** Registers the `kd` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, kdDescriptor);
}
