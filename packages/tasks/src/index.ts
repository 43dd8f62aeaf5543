import { registerTask, type DependencyContainer } from '@kd/core';
import { classificationDescriptor, multiLabelDescriptor, relationshipsDescriptor } from './descriptors.js';

export * from './classification.js';
export * from './multi-label.js';
export * from './relationships.js';
export * from './relationship-losses.js';
export * from './descriptors.js';

/** Registers this package's tasks (see descriptors.ts) into a DI container. No side effects at import. */
export function register(container: DependencyContainer): void {
  registerTask(container, classificationDescriptor);
  registerTask(container, multiLabelDescriptor);
  registerTask(container, relationshipsDescriptor);
}
