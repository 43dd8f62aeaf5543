import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createHost, findDataset } from '@kd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionTexts, type SampleCaptions } from '../captions/caption-provider.js';
import { splitWords } from '../tokenizer/split-words.js';
import { register } from '../index.js';
import type { CaptionedDataset } from './captioned-dataset.js';
import { DEFAULT_CLASS_PROMPTS } from './captioned-options.js';
import { captionedProvider, loadCaptioned } from './captioned-provider.js';
import { fillPrompt } from './class-prompts.js';

const baseOptions = { trainSize: 300, val: 100, test: 100 };
let cacheDir: string;
let data: CaptionedDataset;

const words = (text: string) => splitWords(text).join(' ');
const captionWords = (c: SampleCaptions) => captionTexts(c).map(words);

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'kd-captioned-'));
  data = await loadCaptioned({ base: 'mnist', baseOptions, cacheDir });
});

afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('captioned dataset', () => {
  it('takes its info from the base and describes its text', () => {
    expect(data.name).toBe('mnist-captioned');
    expect(data.inputShape).toEqual([28, 28, 1]);
    expect(data.numClasses).toBe(10);
    expect(data.classNames).toEqual(data.base.classNames);
    expect(data.text.length).toBe(32);
    expect(data.text.vocabSize).toBe(data.tokenizer.vocabulary.size);
    expect(data.text.classPrompts.prompts).toBe(DEFAULT_CLASS_PROMPTS.length);
    for (const name of ['train', 'val', 'test'] as const) {
      const split = data.split(name);
      expect(split.size).toBe(data.base.split(name).size);
      expect(split.labels).toEqual(data.base.split(name).labels);
      expect(split.augments).toBe(data.base.split(name).augments);
    }
    expect(data.split('train').size).toBe(300);
  });

  it('batches x, y, index, tokens [B, length] int32 and tokenMask [B, length] float32', () => {
    const batch = data.split('train').batch(Int32Array.of(0, 5, 7), { augmentSeed: 3 });
    expect(Object.keys(batch).sort()).toEqual(['index', 'tokenMask', 'tokens', 'x', 'y']);
    expect(batch.x.shape).toEqual([3, 28, 28, 1]);
    expect(batch.tokens!.shape).toEqual([3, 32]);
    expect(batch.tokens!.dtype).toBe('int32');
    expect(batch.tokenMask!.shape).toEqual([3, 32]);
    expect(batch.tokenMask!.dtype).toBe('float32');
    expect(Array.from(batch.y!.dataSync())).toEqual([0, 5, 7].map((i) => data.split('train').labels[i]));
    expect(Array.from(batch.index!.dataSync())).toEqual([0, 5, 7]);
    const ids = batch.tokens!.dataSync();
    const mask = batch.tokenMask!.dataSync();
    for (let k = 0; k < ids.length; k++) expect(mask[k]).toBe(ids[k] === 0 ? 0 : 1);
    tf.dispose(Object.values(batch));
  });

  it("encodes one of the sample's own captions", () => {
    const split = data.split('val');
    const indices = Int32Array.from({ length: split.size }, (_, i) => i);
    for (const seed of [undefined, 1, 2]) {
      const batch = split.batch(indices, seed === undefined ? {} : { augmentSeed: seed });
      const ids = batch.tokens!.dataSync();
      for (let b = 0; b < indices.length; b++) {
        const decoded = data.tokenizer.decode(ids.subarray(b * 32, (b + 1) * 32));
        // truncated to 30 words by length 32
        const options = captionWords(split.captions[b]!).map((w) => w.split(' ').slice(0, 30).join(' '));
        expect(options).toContain(decoded);
      }
      tf.dispose(Object.values(batch));
    }
  });

  it('picks captions by augmentSeed: the same seed gives the same captions, another seed others', () => {
    const split = data.split('train');
    const indices = Int32Array.from({ length: 50 }, (_, i) => i);
    const texts = (seed?: number) => {
      const batch = split.batch(indices, seed === undefined ? {} : { augmentSeed: seed });
      const out = Array.from(batch.tokens!.dataSync());
      tf.dispose(Object.values(batch));
      return out;
    };
    expect(texts(4)).toEqual(texts(4));
    expect(texts()).toEqual(texts(0));
    expect(texts(4)).not.toEqual(texts(5));
    const chosen = (seed: number) => Array.from(indices, (i) => split.caption(i, seed));
    const differing = chosen(4).filter((c, i) => c !== chosen(5)[i]).length;
    expect(differing).toBeGreaterThan(25); // 5 captions each: ~80% differ
  });

  it('previews the base image and class line plus the caption', () => {
    const p = data.split('test').preview(3);
    expect(p.image.shape).toEqual([28, 28, 1]);
    expect(p.lines).toHaveLength(2);
    expect(p.lines![0]).toBe(data.base.split('test').preview(3).lines![0]);
    expect(captionTexts(data.split('test').captions[3]!)).toContain(p.lines![1]);
  });

  it('tokenises the class prompts with each class name', () => {
    const { ids, mask, prompts } = data.text.classPrompts;
    const L = data.text.length;
    expect(ids).toBeInstanceOf(Int32Array);
    expect(mask).toBeInstanceOf(Float32Array);
    expect(ids.length).toBe(10 * prompts * L);
    expect(mask.length).toBe(10 * prompts * L);
    for (let k = 0; k < 10; k++) {
      for (let p = 0; p < prompts; p++) {
        const row = ids.subarray((k * prompts + p) * L, (k * prompts + p + 1) * L);
        expect(row).not.toContain(1); // no [UNK]
        expect(data.tokenizer.decode(row)).toBe(words(fillPrompt(DEFAULT_CLASS_PROMPTS[p]!, data.classNames[k]!)));
      }
    }
  });

  it('reads the caption cache on the second load', async () => {
    const files = readdirSync(join(cacheDir, 'captions')).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(3); // train, val, test
    const again = await loadCaptioned({ base: 'mnist', baseOptions, cacheDir });
    expect(again.tokenizer.vocabulary.tokens).toEqual(data.tokenizer.vocabulary.tokens);
    expect(again.split('train').captions).toEqual(data.split('train').captions);
    expect(readdirSync(join(cacheDir, 'captions')).filter((f) => f.endsWith('.json'))).toEqual(files);
  });

  it('honours length, prompts and a custom caption seed', async () => {
    const other = await loadCaptioned({
      base: 'mnist',
      baseOptions,
      cacheDir,
      length: 8,
      captionSeed: 7,
      prompts: ['{} digit'],
    });
    expect(other.text.length).toBe(8);
    expect(other.text.classPrompts.prompts).toBe(1);
    expect(other.text.classPrompts.ids.length).toBe(10 * 8);
    expect(other.tokenizer.decode(other.text.classPrompts.ids.subarray(8 * 3, 8 * 4))).toBe('3 digit');
    expect(other.split('train').captions).not.toEqual(data.split('train').captions);
    const batch = other.split('train').batch(Int32Array.of(0, 1));
    expect(batch.tokens!.shape).toEqual([2, 8]);
    tf.dispose(Object.values(batch));
  });

  it('leaks no tensors once a batch is disposed', () => {
    const split = data.split('train');
    split.batch(Int32Array.of(0), { augmentSeed: 1 }); // warm up
    const before = tf.memory().numTensors;
    const batch = split.batch(Int32Array.of(1, 2, 3, 4), { augmentSeed: 9 });
    expect(tf.memory().numTensors).toBe(before + 5);
    tf.dispose(Object.values(batch));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('captioned dataset: caption kinds', () => {
  it('captionKinds general / targeted restrict what batches show; the vocabulary does not change', async () => {
    const general = await loadCaptioned({ base: 'mnist', baseOptions, cacheDir, captionKinds: 'general' });
    const targeted = await loadCaptioned({ base: 'mnist', baseOptions, cacheDir, captionKinds: 'targeted' });
    expect(general.tokenizer.vocabulary.tokens).toEqual(data.tokenizer.vocabulary.tokens);
    expect(targeted.tokenizer.vocabulary.tokens).toEqual(data.tokenizer.vocabulary.tokens);
    const indices = Int32Array.from({ length: 40 }, (_, i) => i);
    for (const seed of [1, 2, 3]) {
      for (const [d, kind] of [
        [general, 'general'],
        [targeted, 'targeted'],
      ] as const) {
        const split = d.split('train');
        const batch = split.batch(indices, { augmentSeed: seed });
        const ids = batch.tokens!.dataSync();
        indices.forEach((i, b) => {
          const allowed = split.captions[i]![kind].map((c) => words(c).split(' ').slice(0, 30).join(' '));
          expect(allowed).toContain(d.tokenizer.decode(ids.subarray(b * 32, (b + 1) * 32)));
        });
        tf.dispose(Object.values(batch));
      }
    }
    // 'all' (the default) is the draw of a dataset without the option
    const all = await loadCaptioned({ base: 'mnist', baseOptions, cacheDir, captionKinds: 'all' });
    expect(Array.from(indices, (i) => all.split('train').caption(i, 7))).toEqual(
      Array.from(indices, (i) => data.split('train').caption(i, 7)),
    );
    await expect(loadCaptioned({ base: 'mnist', captionKinds: 'some' } as never)).rejects.toThrow(
      /data\.options\.captionKinds/,
    );
  });
});

describe('captioned dataset: precomputed caption embeddings', () => {
  it("puts the chosen caption's file embedding into batches as captionEmbedding [B, dim]", async () => {
    const tiny = { trainSize: 4, val: 3, test: 3 };
    const dir = mkdtempSync(join(tmpdir(), 'kd-captioned-emb-'));
    try {
      const probe = await loadCaptioned({ base: 'mnist', baseOptions: tiny, cacheDir: dir });
      const ids = (['train', 'val', 'test'] as const).flatMap((s) => Array.from(probe.base.split(s).sourceIndices));
      const file = join(dir, 'captions.jsonl');
      const line = (id: number) => ({
        id,
        general: [`plain ${id}`],
        targeted: [`named ${id}`],
        embeddings: [
          [id, 0, 1],
          [id, 1, 0],
        ],
      });
      writeFileSync(file, ids.map((id) => JSON.stringify(line(id))).join('\n') + '\n');
      for (const captionKinds of ['all', 'general', 'targeted'] as const) {
        const d = await loadCaptioned({
          base: 'mnist',
          baseOptions: tiny,
          cacheDir: dir,
          captions: 'file',
          file,
          captionKinds,
        });
        expect(d.captionEmbeddingDim).toBe(3);
        const split = d.split('train');
        const indices = Int32Array.of(0, 1, 2, 3);
        const batch = split.batch(indices, { augmentSeed: 5 });
        expect(batch.captionEmbedding!.shape).toEqual([4, 3]);
        const emb = batch.captionEmbedding!.arraySync() as number[][];
        const texts = indices.length;
        for (let b = 0; b < texts; b++) {
          const id = split.base.sourceIndices[b]!;
          const position = split.captionPosition(b, 5);
          expect(emb[b]).toEqual(line(id).embeddings[position]);
          expect(d.tokenizer.decode(batch.tokens!.dataSync().subarray(b * 32, (b + 1) * 32))).toBe(
            position === 0 ? `plain ${id}` : `named ${id}`,
          );
          if (captionKinds !== 'all') expect(position).toBe(captionKinds === 'general' ? 0 : 1);
        }
        tf.dispose(Object.values(batch));
      }
      // without embeddings there is no captionEmbedding key
      expect(probe.captionEmbeddingDim).toBeUndefined();
      const plain = probe.split('train').batch(Int32Array.of(0));
      expect(plain.captionEmbedding).toBeUndefined();
      tf.dispose(Object.values(plain));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('captioned dataset from a caption file', () => {
  it('reads captions from JSON Lines, matched by source index', async () => {
    const tiny = { trainSize: 4, val: 3, test: 3 };
    const dir = mkdtempSync(join(tmpdir(), 'kd-captioned-file-'));
    try {
      const probe = await loadCaptioned({ base: 'mnist', baseOptions: tiny, cacheDir: dir });
      const ids = (['train', 'val', 'test'] as const).flatMap((s) => Array.from(probe.base.split(s).sourceIndices));
      const file = join(dir, 'captions.jsonl');
      writeFileSync(file, ids.map((id) => JSON.stringify({ id, captions: [`zebra number ${id}`] })).join('\n') + '\n');
      const data = await loadCaptioned({ base: 'mnist', baseOptions: tiny, cacheDir: dir, captions: 'file', file });
      const split = data.split('train');
      expect(split.captions.map((c) => c.general[0])).toEqual(
        Array.from(split.base.sourceIndices, (id) => `zebra number ${id}`),
      );
      const batch = split.batch(Int32Array.of(2));
      expect(data.tokenizer.decode(batch.tokens!.dataSync())).toBe(`zebra number ${split.base.sourceIndices[2]}`);
      tf.dispose(Object.values(batch));
      // the val/test words are not in the vocabulary (built from train captions and prompts)
      expect(data.tokenizer.vocabulary.has(String(data.base.split('val').sourceIndices[0]))).toBe(false);

      writeFileSync(file, `{"id": ${ids[0]}, "captions": ["only one"]}\n`);
      await expect(
        loadCaptioned({ base: 'mnist', baseOptions: tiny, cacheDir: dir, captions: 'file', file }),
      ).rejects.toThrow(/no captions for 3 of 4 samples/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("needs a file when captions is 'file'", async () => {
    const error: unknown = await loadCaptioned({ base: 'mnist', captions: 'file' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const { message } = error as Error;
    expect(message).toBe("config field 'data.options.file': required when captions is 'file'");
  });
});

describe('captioned options', () => {
  it('names unknown keys and bad values data.options.<key>', async () => {
    await expect(loadCaptioned({ base: 'mnist', colour: true } as never)).rejects.toThrow(
      /data\.options\.colour.*unknown option/,
    );
    await expect(loadCaptioned({ base: 'cifar' } as never)).rejects.toThrow(/data\.options\.base/);
    await expect(loadCaptioned({ base: 'mnist', length: 2 })).rejects.toThrow(/data\.options\.length/);
    await expect(loadCaptioned({ base: 'mnist', prompts: ['a photo'] })).rejects.toThrow(/data\.options\.prompts\.0/);
  });

  it('names base option errors data.options.baseOptions.<key>', async () => {
    await expect(loadCaptioned({ base: 'mnist', baseOptions: { colour: 1 } })).rejects.toThrow(
      /data\.options\.baseOptions\.colour/,
    );
  });

  it('registers the captioned provider', () => {
    const host = createHost([register]);
    expect(findDataset(host, 'captioned')).toBe(captionedProvider);
    expect(captionedProvider.id).toBe('captioned');
  });
});
