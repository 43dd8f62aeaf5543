import 'reflect-metadata';

export * from './contract/taps.js';
export * from './contract/batch.js';
export * from './contract/module.js';
export * from './contract/task.js';
export * from './contract/model.js';
export * from './contract/participant.js';
export * from './contract/dataset.js';
export * from './contract/hparams.js';
export * from './contract/method.js';
export * from './contract/loss-composer.js';
export * from './di/tokens.js';
export * from './di/registry.js';
export * from './util/errors.js';
export * from './util/storage-error.js';
export * from './util/config-path.js';
export * from './util/fsync.js';
export * from './util/rng.js';
export * from './util/sequential-batches.js';
export * from './ops/losses.js';
export * from './ops/info-nce.js';
export * from './ops/binary-cross-entropy.js';

// tsyringe is imported only here; plugins take these from @kd/core so there is one copy of its metadata.
export { injectable, inject, injectAll, Lifecycle, container } from 'tsyringe';
export type { DependencyContainer, InjectionToken } from 'tsyringe';
export { z } from 'zod';
export * from './nn/init.js';
export * from './nn/conv2d.js';
export * from './nn/batch-norm.js';
export * from './nn/linear.js';
export * from './nn/layer-norm.js';
export * from './nn/embedding.js';
export * from './nn/connector.js';
export * from './ops/detach.js';
export * from './ops/batch-norm-train.js';
export * from './ops/layer-norm.js';
export * from './nn/learned-temperature.js';
