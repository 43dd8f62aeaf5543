import { registerTask, type DependencyContainer } from '@kd/core';
import { classificationDescriptor, multiLabelDescriptor } from './descriptors.js';

export * from './classification.js';
export * from './multi-label.js';
export * from './descriptors.js';

/** Registers this package's tasks (`classification`, `multi-label`) into a DI container. No side effects at import. */
export function register(container: DependencyContainer): void {
  registerTask(container, classificationDescriptor);
  registerTask(container, multiLabelDescriptor);
}
