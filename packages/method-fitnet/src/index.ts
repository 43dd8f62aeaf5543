import { registerMethod, type DependencyContainer } from '@kd/core';
import { fitnetDescriptor } from './descriptor.js';

export { fitnetDescriptor } from './descriptor.js';
export { CONNECTOR, FitnetMethod, fitnetHParams, fitnetTerms, type FitnetHParams } from './fitnet.js';
export { connectorGeometry, type TapRef } from './connector-geometry.js';
export { prefixesUpTo, traceVariablesUpTo, variablesUpTo, type GuidedScope } from './guided.js';

/** Registers the `fitnet` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, fitnetDescriptor);
}
