import { registerArchitecture, registerDataset, registerMethod, type DependencyContainer } from '@kd/core';
import { logitL2Descriptor } from './logit-l2.js';
import { mylabBars } from './mylab-bars.js';
import { mylabMlp } from './mylab-mlp.js';
import { mylabNet } from './mylab-net.js';

export { LogitL2Method, logitL2Descriptor, logitL2HParams, logitL2Terms, type LogitL2HParams } from './logit-l2.js';
export { BAR_CLASSES, BarsSplit, makeBars, mylabBars, mylabBarsOptions, type MylabBarsOptions } from './mylab-bars.js';
export { mylabNet } from './mylab-net.js';
export { MylabMlp, mylabMlp } from './mylab-mlp.js';

/**
 * kd calls this once with its host container when it finds this package (its package.json says
 * `"kd": {"plugin": true}`). Importing the package registers nothing by itself.
 */
export function register(container: DependencyContainer): void {
  registerMethod(container, logitL2Descriptor);
  registerArchitecture(container, mylabNet);
  registerArchitecture(container, mylabMlp);
  registerDataset(container, mylabBars);
}
