import { registerDataset, type DependencyContainer } from '@kd/core';
import { captionedProvider } from './dataset/captioned-provider.js';
import { sceneCaptionsProvider } from './scenes/scene-captions-dataset.js';
import { sceneVqaProvider } from './scenes/scene-vqa-dataset.js';

export * from './tokenizer/special-tokens.js';
export * from './tokenizer/split-words.js';
export * from './tokenizer/vocabulary.js';
export * from './tokenizer/word-tokenizer.js';
export * from './tokenizer/encoded-batch-tensors.js';
export * from './captions/caption-provider.js';
export * from './captions/image-attributes.js';
export * from './captions/attribute-words.js';
export * from './captions/general-caption.js';
export * from './captions/class-knowledge.js';
export * from './captions/mnist-knowledge.js';
export * from './captions/fashion-mnist-knowledge.js';
export * from './captions/targeted-captions.js';
export * from './captions/template-captioner.js';
export * from './captions/jsonl-caption-file.js';
export * from './captions/array-split-samples.js';
export * from './captions/caption-cache.js';
export * from './dataset/caption-choice.js';
export * from './dataset/captioned-dataset.js';
export * from './dataset/captioned-options.js';
export * from './dataset/captioned-provider.js';
export * from './dataset/captioned-split.js';
export * from './dataset/captioned-vocabulary.js';
export * from './dataset/class-prompts.js';
export * from './scenes/scene-captions-options.js';
export * from './scenes/scene-captions-split.js';
export * from './scenes/scene-captions-dataset.js';
export * from './scenes/vqa-answer-scores.js';
export * from './scenes/scene-question-index.js';
export * from './scenes/scene-vqa-options.js';
export * from './scenes/scene-vqa-split.js';
export * from './scenes/scene-vqa-dataset.js';

/** Registers this package's datasets (`captioned`, `scene-captions`, `scene-vqa`) into a DI container. No side effects at import. */
export function register(container: DependencyContainer): void {
  registerDataset(container, captionedProvider);
  registerDataset(container, sceneCaptionsProvider);
  registerDataset(container, sceneVqaProvider);
}
