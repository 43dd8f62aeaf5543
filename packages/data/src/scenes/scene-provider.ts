import type { DatasetLoadContext, DatasetProvider } from '@kd/core';
import { loadScenes, sceneOptionsSchema } from './scene-dataset.js';

export const sceneProvider: DatasetProvider & { readonly optionsSchema: typeof sceneOptionsSchema } = {
  id: 'scenes',
  description:
    'multi-object scenes (64×64 by default) composed from MNIST or Fashion-MNIST items: boxes, multi-hot labels, spatial relations, ' +
    'templated questions and answers, captions, base/novel classes, and two differently biased proposal sources',
  optionsSchema: sceneOptionsSchema,
  load(options: Record<string, unknown>, _seed: number, context?: DatasetLoadContext) {
    return loadScenes(options, context);
  },
};
