import * as tf from '@tensorflow/tfjs';
import { ANSWER_VOCABULARY, TEXT_WORDS, facetOf } from '@kd/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSceneVqa } from './scene-vqa-dataset.js';

describe('scene-vqa dataset', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('one sample per (scene, question): the scene batch plus the tokenised question, its answer scores and id', async () => {
    const data = await loadSceneVqa({ scenes: { train: 20, val: 6, test: 6, proposals: 'one' }, length: 12 });
    expect(data.task).toBe('vqa');
    const answers = facetOf(data, ANSWER_VOCABULARY)!;
    expect(answers.slice(0, 3)).toEqual(['no', 'yes', 'nothing']);
    expect(facetOf(data, TEXT_WORDS)!.words).toEqual(data.tokenizer.vocabulary.tokens);
    const split = data.split('train');
    const perScene = Array.from({ length: 20 }, (_, s) => split.scenes.scenes.get(s).questions.length);
    expect(split.size).toBe(perScene.reduce((a, b) => a + b, 0));
    // the samples walk the scenes in order, each scene's questions in order
    expect(split.sceneOf(perScene[0]!)).toBe(1);

    const indices = Int32Array.of(0, perScene[0]!, split.size - 1);
    const batch = split.batch(indices);
    const a = answers.length;
    expect(batch['tokens']!.shape).toEqual([3, 12]);
    expect(batch['tokenMask']!.shape).toEqual([3, 12]);
    expect(batch['answerScores']!.shape).toEqual([3, a]);
    expect(batch['answerId']!.dtype).toBe('int32');
    expect(batch['x']!.shape).toEqual([3, 64, 64, 1]);
    expect(Array.from(batch['index']!.dataSync())).toEqual(Array.from(indices));
    expect(Array.from(batch['sceneIndex']!.dataSync())).toEqual([0, 1, 19]);
    const scores = batch['answerScores']!.arraySync() as number[][];
    const ids = Array.from(batch['answerId']!.dataSync());
    indices.forEach((sample, i) => {
      const q = split.question(sample);
      expect(ids[i]).toBe(q.answerId);
      expect(answers[q.answerId]).toBe(q.answer);
      expect(scores[i]!.reduce((s, v) => s + v, 0)).toBe(1);
      expect(scores[i]![q.answerId]).toBe(1);
      const row = Array.from(batch['tokens']!.dataSync()).slice(i * 12, (i + 1) * 12);
      expect(data.tokenizer.decode(row)).toBe(q.text.replace('?', ''));
    });
    // every batch key is declared with its shape
    for (const [key, t] of Object.entries(batch) as [string, tf.Tensor][]) {
      const spec = data.batchKeys[key];
      expect(spec, key).toBeDefined();
      expect(t.shape.slice(1), key).toEqual(spec!.shape);
      expect(t.dtype, key).toBe(spec!.dtype);
    }
    tf.dispose(Object.values(batch));
  });

  it('the vocabulary covers every question (val and test too) and the class prompts; questionsPerScene keeps a fixed subset', async () => {
    const data = await loadSceneVqa({
      scenes: { train: 30, val: 10, test: 10, proposals: 'none' },
      questionsPerScene: 3,
    });
    for (const name of ['train', 'val', 'test'] as const) {
      const split = data.split(name);
      expect(split.size).toBeLessThanOrEqual(3 * split.scenes.size);
      for (let i = 0; i < split.size; i++) expect(data.tokenizer.encode(split.question(i).text)).not.toContain(1); // no [UNK]
    }
    const again = await loadSceneVqa({
      scenes: { train: 30, val: 10, test: 10, proposals: 'none' },
      questionsPerScene: 3,
    });
    const texts = (d: typeof data) =>
      Array.from({ length: d.split('val').size }, (_, i) => d.split('val').question(i).text);
    expect(texts(again)).toEqual(texts(data));
    expect(data.text.classPrompts.ids.length).toBe(10 * 16);
    expect(data.split('train').preview(0).lines![0]).toMatch(/^Q: /);
  });

  it('passes a training batch’s augmentSeed on to the scenes (trainingPairs)', async () => {
    const data = await loadSceneVqa({
      scenes: { train: 10, val: 4, test: 4, proposals: 'none', trainingPairs: 32 },
      length: 12,
    });
    const split = data.split('train');
    expect(split.augments).toBe(true);
    const idx = Int32Array.from({ length: 8 }, (_, i) => i);
    const sampled = split.batch(idx, { augmentSeed: 5 });
    const scenes = split.scenes.batch(
      Int32Array.from(idx, (i) => split.sceneOf(i)),
      { augmentSeed: 5 },
    );
    const plain = split.batch(idx);
    expect(Array.from(sampled['pairs']!.dataSync())).toEqual(Array.from(scenes['pairs']!.dataSync()));
    expect(Array.from(sampled['pairs']!.dataSync())).not.toEqual(Array.from(plain['pairs']!.dataSync()));
    tf.dispose([sampled, scenes, plain].flatMap((b) => Object.values(b)));
  });
});
