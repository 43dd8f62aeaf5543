import type { InjectionToken } from 'tsyringe';
import type { DatasetProvider } from '../contract/dataset.js';
import type { MethodDescriptor } from '../contract/method.js';
import type { ModelArchitecture } from '../contract/model.js';
import type { TaskDescriptor } from '../contract/task.js';

/** Multi-binding: one cheap descriptor per installed method (listing creates no method instance). */
export const METHOD_DESCRIPTOR: InjectionToken<MethodDescriptor> = Symbol.for('kd.MethodDescriptor');
/** Multi-binding: model architectures (resnet20, cnn-small, …). */
export const MODEL_ARCHITECTURE: InjectionToken<ModelArchitecture> = Symbol.for('kd.ModelArchitecture');
/** Multi-binding: dataset providers (mnist, …). */
export const DATASET_PROVIDER: InjectionToken<DatasetProvider> = Symbol.for('kd.DatasetProvider');
/** Multi-binding: one cheap descriptor per installed task (classification, multi-label, …). */
export const TASK_DESCRIPTOR: InjectionToken<TaskDescriptor> = Symbol.for('kd.TaskDescriptor');
