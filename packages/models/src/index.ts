import { registerArchitecture, type DependencyContainer } from '@kd/core';
import { architectures } from './architectures/index.js';

export * from './architectures/index.js';
export * from './basic-block.js';
export * from './module-list.js';
export * from './pooled-classifier.js';
export * from './region-detector.js';
export * from './text-region-classifier.js';
export * from './ensemble-scores.js';
export * from './class-embeddings-file.js';
export * from './anchor-grid.js';
export * from './rpn-head.js';
export * from './rpn-proposals.js';
export * from './rpn-regions.js';
export * from './options.js';
export * from './resnet.js';
export * from './roi-pool.js';
export * from './roi-max-pool.js';
export * from './shapes.js';
export * from './small-cnn.js';
export * from './tap-recorder.js';
export * from './transformer.js';
export * from './linear-last-axis.js';
export * from './vl-transformer.js';
export * from './vl-scene-model.js';
export * from './text-encoder.js';
export * from './clip-dual-encoder.js';
export * from './encoder-with-heads.js';
export * from './crop-teacher.js';
export * from './crop-embeddings.js';
export * from './crop-classifier-detector.js';
export * from './model-part.js';
export * from './proposal-source.js';
export * from './region-crops.js';
export * from './tap-head.js';
export * from './wide-block.js';
export * from './wide-resnet.js';
export * from './io/file-io-handler.js';
export * from './io/model-card.js';
export * from './io/tapped-model-files.js';
export * from './io/graph-model-teacher.js';
export * from './layers-tapped-model.js';
export * from './layers-architecture.js';
export * from './seeded-math-random.js';
export * from './vgg-backbone.js';
export * from './roi-fc-head.js';
export * from './proposal-score-weights.js';
export * from './wsddn-scores.js';
export * from './wsddn.js';
export * from './roi-classifier.js';
export * from './scored-roi-model.js';

/** Registers every architecture of this package into a container (no side effects at import). */
export function register(container: DependencyContainer): void {
  for (const arch of architectures) registerArchitecture(container, arch);
}
