import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
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
});
