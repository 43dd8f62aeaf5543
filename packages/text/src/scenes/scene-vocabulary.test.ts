import * as tf from '@tensorflow/tfjs';
import { TEXT_WORDS, facetOf } from '@kd/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSceneCaptions } from './scene-captions-dataset.js';
import { loadSceneVqa } from './scene-vqa-dataset.js';
import { splitWords } from '../tokenizer/split-words.js';

// A model pre-trained on scene-captions must load into a scene-vqa run (DistillVLM's fine-tuning):
// with `vocabulary: scenes` both datasets tokenise with one vocabulary.
describe('scene-captions and scene-vqa: one vocabulary with `vocabulary: scenes`', () => {
  const scenes = { train: 24, val: 4, test: 4, proposals: 'one' };
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('by default each builds its own (so a caption model does not load into a VQA run)', async () => {
    const captions = await loadSceneCaptions({ scenes });
    const vqa = await loadSceneVqa({ scenes });
    expect(captions.text.vocabularyId).not.toBe(vqa.text.vocabularyId);
  });

  it('with `scenes`, the same words in the same order, from the captions and every question', async () => {
    const captions = await loadSceneCaptions({ scenes, vocabulary: 'scenes' });
    const vqa = await loadSceneVqa({ scenes, vocabulary: 'scenes', questionsPerScene: 1 });
    expect(captions.text.vocabularyId).toBe(vqa.text.vocabularyId);
    expect(facetOf(captions, TEXT_WORDS)!.words).toEqual(facetOf(vqa, TEXT_WORDS)!.words);
    const vocabulary = captions.tokenizer.vocabulary;
    // every train caption and every train question (not only the one kept per scene) is in it
    const train = vqa.split('train').scenes.scenes;
    expect(train.size).toBe(24);
    for (let i = 0; i < train.size; i++) {
      const scene = train.get(i);
      for (const text of [scene.caption, ...scene.questions.map((q) => q.text)]) {
        for (const word of splitWords(text)) expect([word, vocabulary.has(word)]).toEqual([word, true]);
      }
    }
    // and it is larger than either own vocabulary
    const own = await loadSceneCaptions({ scenes });
    expect(vocabulary.size).toBeGreaterThan(own.tokenizer.vocabulary.size);
  });

  it('names the bad value in one line', async () => {
    await expect(loadSceneVqa({ scenes, vocabulary: 'both' as 'scenes' })).rejects.toThrow(/vocabulary/);
  });
});
