import { registerDataset, type DependencyContainer } from '@kd/core';
import { mnistProvider } from './mnist/mnist-provider.js';

export * from './array-dataset.js';
export * from './augment.js';
export * from './normalize.js';
export * from './options.js';
export * from './split.js';
export * from './mnist/decode-json-numbers.js';
export * from './mnist/mnist-source.js';
export * from './mnist/mnist-provider.js';

/** Registers this package's datasets (`mnist`) into a DI container. No side effects at import. */
export function register(container: DependencyContainer): void {
  registerDataset(container, mnistProvider);
}
