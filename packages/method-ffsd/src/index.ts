import { registerMethod, type DependencyContainer } from '@kd/core';
import { ffsdDescriptor } from './descriptor.js';

export { ffsdDescriptor } from './descriptor.js';
export { FfsdMethod, FFSD_GROUPS, FFSD_MODULES } from './ffsd.js';
export {
  ffsdHParams,
  ffsdTerms,
  FFSD_TERM_NAMES,
  PEER_SD_COEFFICIENTS,
  type FfsdHParams,
  type PeerSdCoefficient,
} from './hparams.js';
export { attentionLoss, attentionMap, l2NormalizeRows, normalizedMse } from './attention.js';
export {
  attentionShift,
  diversityLoss,
  shiftedFeatureMap,
  DIVERSITY_NORMS,
  type AttentionShift,
  type DiversityNorm,
} from './diversity.js';
export { warmupClock, warmupFactor, type WarmupGranularity } from './warmup.js';
export { ConvTranspose2d } from './conv-transpose2d.js';
export { FeatureFusion, TransFusion, type FusionOutput } from './fusion-module.js';
export { SelfDistillationModule } from './self-distillation.js';

/** Registers the `ffsd` method into a host container (creates no method instance). */
export function register(container: DependencyContainer): void {
  registerMethod(container, ffsdDescriptor);
}
