import { z } from '@kd/core';
import type { SceneDataset } from '@kd/data';
import type { SampleCaptions } from '../captions/caption-provider.js';
import { captionedVocabulary } from '../dataset/captioned-vocabulary.js';
import type { Vocabulary } from '../tokenizer/vocabulary.js';

/**
 * Where a scenes text dataset (scene-captions, scene-vqa) takes its words from: `own` — its own
 * train texts (the captions, or the questions); `scenes` — the train captions and every train
 * question together, so that both datasets tokenise alike and a model pre-trained on scene-captions
 * loads into a scene-vqa run (equal `scenes`, `prompts` and `minCount` give the same vocabulary).
 */
export const sceneVocabularyOption = z
  .enum(['own', 'scenes'])
  .default('own')
  .describe(
    "the vocabulary's texts: 'own' — this dataset's train texts; 'scenes' — the train captions and every train question together, the same for scene-captions and scene-vqa (pre-train on captions, fine-tune on VQA)",
  );

/** The train split's captions, then every question of its scenes (all of them, whatever `questionsPerScene`). */
export function sceneTrainTexts(scenes: SceneDataset): SampleCaptions[] {
  const train = scenes.split('train');
  const captions: SampleCaptions[] = [];
  const questions: SampleCaptions[] = [];
  for (let i = 0; i < train.size; i++) {
    const scene = train.scenes.get(i);
    captions.push({ general: [scene.caption], targeted: [] });
    for (const q of scene.questions) questions.push({ general: [q.text], targeted: [] });
  }
  return [...captions, ...questions];
}

/** The vocabulary shared by scene-captions and scene-vqa (`vocabulary: scenes`). */
export function sharedSceneVocabulary(
  scenes: SceneDataset,
  promptTexts: readonly string[],
  minCount: number,
): Vocabulary {
  return captionedVocabulary(sceneTrainTexts(scenes), promptTexts, minCount);
}
