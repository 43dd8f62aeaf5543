import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TEXT_WORDS, facetOf, type Dataset } from '@kd/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCaptioned } from './dataset/captioned-provider.js';
import { loadSceneCaptions } from './scenes/scene-captions-dataset.js';
import { loadSceneVqa } from './scenes/scene-vqa-dataset.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'kd-text-keys-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
const scenes = { size: 32, minItemSize: 10, maxItemSize: 16, train: 6, val: 4, test: 4 };

/** Every text dataset's batches carry exactly the keys it declares, in the declared shapes and dtypes. */
describe.each([
  ['captioned', () => loadCaptioned({ base: 'mnist', baseOptions: { trainSize: 40, val: 20, test: 20 }, cacheDir })],
  ['scene-captions', () => loadSceneCaptions({ scenes })],
  ['scene-vqa', () => loadSceneVqa({ scenes })],
])('%s', (_name, load: () => Promise<Dataset>) => {
  it('batches match the declaration; the text words facet decodes its tokens', async () => {
    const data = await load();
    const declared = data.batchKeys!;
    const batch = data.split('train').batch(Int32Array.of(0, 1, 2));
    const optional = new Set(['captionEmbedding']); // precomputed embeddings only with a caption file that has them
    expect(Object.keys(batch).sort()).toEqual(
      Object.keys(declared)
        .filter((k) => !optional.has(k) || k in batch)
        .sort(),
    );
    for (const [key, t] of Object.entries(batch)) {
      expect(t!.shape, key).toEqual([3, ...declared[key]!.shape]);
      expect(t!.dtype, key).toBe(declared[key]!.dtype);
    }
    const words = facetOf(data, TEXT_WORDS)!;
    const first = Array.from(batch['tokens']!.dataSync().subarray(0, 2));
    expect(first[0]).toBe(words.cls);
    expect(words.words[first[1]!]).toMatch(/^[a-z0-9]+$/);
    tf.dispose(Object.values(batch) as tf.Tensor[]);
  });
});
