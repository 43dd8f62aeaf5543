import { registerMethod, type DependencyContainer } from '@kd/core';
import { wsdKdDescriptor } from './descriptor.js';

export { wsdKdDescriptor } from './descriptor.js';
export {
  WsdKdMethod,
  WSD_KD_SCALE,
  wsdKdFeatureStageTerms,
  wsdKdHParams,
  wsdKdTerms,
  type WsdKdHParams,
} from './wsd-kd.js';
export { roiFeatureLoss } from './roi-feature-loss.js';
export { softTargetLoss } from './soft-target-loss.js';
export { SoftTargetScale } from './soft-target-scale.js';
export { teacherLocalization } from './teacher-localization.js';

/** Registers the `wsd-kd` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, wsdKdDescriptor);
}
