import { registerTask, type DependencyContainer } from '@kd/core';
import {
  captioningDescriptor,
  classificationDescriptor,
  detectionDescriptor,
  multiLabelDescriptor,
  relationshipsDescriptor,
  tripleVerificationDescriptor,
  vqaDescriptor,
} from './descriptors.js';

export * from './classification.js';
export * from './multi-label.js';
export * from './detection.js';
export * from './detection/box-coder.js';
export * from './detection/nms.js';
export * from './detection/region-labels.js';
export * from './detection/region-sampling.js';
export * from './detection/region-targets.js';
export * from './detection/decode-detections.js';
export * from './detection/detection-losses.js';
export * from './detection/anchor-labels.js';
export * from './detection/anchor-targets.js';
export * from './detection/rpn-losses.js';
export * from './relationships.js';
export * from './relationship-losses.js';
export * from './triple-verification.js';
export * from './vqa.js';
export * from './answer-bce.js';
export * from './captioning.js';
export * from './next-token-loss.js';
export * from './greedy-captions.js';
export * from './descriptors.js';

/** Registers this package's tasks (see descriptors.ts) into a DI container. No side effects at import. */
export function register(container: DependencyContainer): void {
  registerTask(container, classificationDescriptor);
  registerTask(container, multiLabelDescriptor);
  registerTask(container, detectionDescriptor);
  registerTask(container, relationshipsDescriptor);
  registerTask(container, tripleVerificationDescriptor);
  registerTask(container, vqaDescriptor);
  registerTask(container, captioningDescriptor);
}
