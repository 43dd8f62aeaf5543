import { registerMethod, type DependencyContainer } from '@kd/core';
import { fitnetDescriptor } from './descriptor.js';

export { fitnetDescriptor } from './descriptor.js';
export { CONNECTOR, FitnetMethod, fitnetHParams, fitnetTerms, type FitnetHParams } from './fitnet.js';
export {
  CONNECTOR_KINDS,
  connectorGeometry,
  HintConnector,
  type ConnectorGeometry,
  type ConnectorKind,
  type TapRef,
} from './connector.js';
export { prefixesUpTo, traceVariablesUpTo, variablesUpTo, type GuidedScope } from './guided.js';

/** Registers the `fitnet` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, fitnetDescriptor);
}
