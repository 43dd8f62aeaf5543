import { registerMethod, type DependencyContainer } from '@kd/core';
import { clipDescriptor } from './descriptor.js';

export { clipDescriptor } from './descriptor.js';
export { ClipMethod, clipHParams, clipTerms, type ClipHParams } from './clip.js';

/** Registers the `clip` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, clipDescriptor);
}
