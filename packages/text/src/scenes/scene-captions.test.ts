import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Batch } from '@kd/core';
import { loadSceneCaptions } from './scene-captions-dataset.js';

describe('scene-captions dataset', () => {
  it('adds each scene’s reading-order caption as tokens to the scene batch; the vocabulary covers captions and class prompts', async () => {
    await tf.setBackend('cpu');
    const data = await loadSceneCaptions({ scenes: { train: 40, val: 8, test: 8, proposals: 'one' }, length: 16 });
    expect(data.inputShape).toEqual([64, 64, 1]);
    expect(data.text.length).toBe(16);
    expect(data.text.classPrompts.ids.length).toBe(10 * 1 * 16);
    const split = data.split('train');
    const batch = split.batch(Int32Array.of(0, 3));
    expect(batch['tokens']!.shape).toEqual([2, 16]);
    expect(batch['proposals']!.shape[0]).toBe(2);
    expect(batch['y']!.shape).toEqual([2, 10]);
    const ids = Array.from(batch['tokens']!.dataSync()).slice(16, 32);
    const mask = Array.from(batch['tokenMask']!.dataSync()).slice(16, 32);
    const words = split.caption(3).toLowerCase().split(/\s+/);
    expect(mask.filter((m) => m === 1).length).toBe(Math.min(16, words.length + 2));
    const decoded = ids.slice(1, 1 + words.length).map((i) => data.tokenizer.vocabulary.tokenOf(i));
    expect(decoded).toEqual(words.slice(0, 14));
    expect(decoded).not.toContain('[UNK]');
    tf.dispose(Object.values(batch));
  });

  it('passes a training batch’s augmentSeed on to the scenes: with trainingPairs the pairs are the sampler’s', async () => {
    await tf.setBackend('cpu');
    const options = {
      train: 12,
      val: 4,
      test: 4,
      proposals: 'none',
      relationPairs: 'near',
      trainingPairs: 32,
    } as const;
    const data = await loadSceneCaptions({ scenes: options, length: 12 });
    const split = data.split('train');
    expect(split.augments).toBe(true);
    expect(data.split('val').augments).toBe(false);
    expect((await loadSceneCaptions({ scenes: { ...options, trainingPairs: 0 } })).split('train').augments).toBe(false);
    const idx = Int32Array.from({ length: 12 }, (_, i) => i);
    const keys = ['pairs', 'pairMask', 'pairPredicate'];
    const read = (b: Batch) => keys.map((k) => Array.from(b[k]!.dataSync()));
    const sampled = split.batch(idx, { augmentSeed: 5 });
    const scenes = split.scenes.batch(idx, { augmentSeed: 5 });
    const plain = split.batch(idx);
    expect(read(sampled)).toEqual(read(scenes));
    expect(read(sampled)[0]).not.toEqual(read(plain)[0]);
    tf.dispose([sampled, scenes, plain].flatMap((b) => Object.values(b)));
  });
});
