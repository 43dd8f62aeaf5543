import { registerDataset, type DependencyContainer } from '@kd/core';
import { fashionMnistProvider } from './fashion-mnist/fashion-mnist-provider.js';
import { imageFolderProvider } from './image-folder/image-folder-provider.js';
import { sceneProvider } from './scenes/scene-provider.js';
import { mnistProvider } from './mnist/mnist-provider.js';

export * from './array-dataset.js';
export * from './augment.js';
export * from './normalize.js';
export * from './options.js';
export * from './split.js';
export * from './mnist/decode-json-numbers.js';
export * from './mnist/mnist-source.js';
export * from './mnist/mnist-provider.js';
export * from './idx/read-idx.js';
export * from './fashion-mnist/fashion-mnist-files.js';
export * from './fashion-mnist/fashion-mnist-source.js';
export * from './fashion-mnist/fashion-mnist-provider.js';
export * from './long-tail.js';
export * from './long-tail-splits.js';
export * from './image-folder/decode-image.js';
export * from './image-folder/image-folder-provider.js';

/** Registers this package's datasets (`mnist`, `fashion-mnist`, `image-folder`, `scenes`) into a DI container. No side effects at import. */
export function register(container: DependencyContainer): void {
  registerDataset(container, mnistProvider);
  registerDataset(container, fashionMnistProvider);
  registerDataset(container, imageFolderProvider);
  registerDataset(container, sceneProvider);
}
export * from './proposals/box.js';
export * from './proposals/edge-map.js';
export * from './proposals/jittered-boxes.js';
export * from './proposals/nms.js';
export * from './proposals/objectness.js';
export * from './proposals/proposal-config.js';
export * from './proposals/proposal-recall.js';
export * from './proposals/proposals.js';
export * from './proposals/random-boxes.js';
export * from './proposals/sliding-windows.js';
export * from './scenes/answer-vocabulary.js';
export * from './scenes/bilinear-resize.js';
export * from './scenes/generate-scene.js';
export * from './scenes/item-source.js';
export * from './scenes/mnist-item-source.js';
export * from './scenes/position-grid.js';
export * from './scenes/reading-order.js';
export * from './scenes/scene-annotations.js';
export * from './scenes/scene-batch.js';
export * from './scenes/scene-caption.js';
export * from './scenes/scene-config.js';
export * from './scenes/scene-dataset.js';
export * from './scenes/scene-provider.js';
export * from './scenes/scene-questions.js';
export * from './scenes/scene-set.js';
export * from './scenes/scene.js';
export * from './scenes/spatial-relations.js';
