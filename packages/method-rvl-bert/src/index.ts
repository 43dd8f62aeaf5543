import { registerMethod, type DependencyContainer } from '@kd/core';
import { rvlBertDescriptor } from './descriptor.js';

export { rvlBertDescriptor } from './descriptor.js';
export { RvlBertMethod, rvlBertHParams, rvlBertTerms, type RvlBertHParams } from './rvl-bert.js';

/** Registers the `rvl-bert` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, rvlBertDescriptor);
}
