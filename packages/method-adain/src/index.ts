import { registerMethod, type DependencyContainer } from '@kd/core';
import { adainDescriptor } from './descriptor.js';

export { adainDescriptor } from './descriptor.js';
export {
  AdainMethod,
  adainHParams,
  adainTerms,
  CONNECTORS,
  JUDGES,
  tapPair,
  type AdainHParams,
  type Judge,
  type TapPair,
} from './adain.js';
export { adaIN, channelStats, statLoss, type ChannelStats } from './statistics.js';
export { ConnectorSet } from './connectors.js';

/** Registers the `adain` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, adainDescriptor);
}
