import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnistFashion } from '@kd/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionTexts } from '../captions/caption-provider.js';
import { FASHION_MNIST_KNOWLEDGE } from '../captions/fashion-mnist-knowledge.js';
import { MNIST_KNOWLEDGE } from '../captions/mnist-knowledge.js';
import { KNOWLEDGE_TABLES } from '../captions/template-captioner.js';
import { splitWords } from '../tokenizer/split-words.js';
import type { CaptionedDataset } from './captioned-dataset.js';
import { loadCaptioned } from './captioned-provider.js';

// Needs Debian's dataset-fashion-mnist (installed by .ci/run).
const baseOptions = {
  mnist: { trainSize: 100, val: 20, test: 30 },
  fashionMnist: { trainSize: 120, val: 20, test: 40 },
};
let cacheDir: string;
let data: CaptionedDataset;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'kd-captioned-mf-'));
  data = await loadCaptioned({ base: 'mnist+fashion-mnist', baseOptions, cacheDir });
});

afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('captioned base mnist+fashion-mnist: a CLIP-like teacher on single items of both', () => {
  it('has the 20 classes of the combined set (digits, then Fashion-MNIST) and its splits', async () => {
    expect(data.name).toBe('mnist+fashion-mnist-captioned');
    expect(data.numClasses).toBe(20);
    expect(data.classNames.slice(0, 10)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(data.classNames[10]).toBe('T-shirt/top');
    expect(data.classNames[19]).toBe('Ankle boot');
    const base = await loadMnistFashion(baseOptions);
    for (const name of ['train', 'val', 'test'] as const)
      expect(Array.from(data.split(name).labels)).toEqual(Array.from(base.split(name).labels));
    expect(data.split('train').size).toBe(220);
  });

  it("captions digits with MNIST's knowledge and items with Fashion-MNIST's (T1 names the class verbatim)", () => {
    expect(KNOWLEDGE_TABLES['mnist+fashion-mnist']).toEqual([...MNIST_KNOWLEDGE, ...FASHION_MNIST_KNOWLEDGE]);
    const split = data.split('train');
    const seen = new Set<number>();
    for (let i = 0; i < split.size; i++) {
      const label = split.labels[i]!;
      const name = data.classNames[label]!;
      const texts = captionTexts(split.captions[i]!).join(' ');
      // T1 contains the class name; a digit's captions never name a Fashion-MNIST class and vice versa
      expect(texts, `sample ${i}`).toContain(` ${name}`);
      const others = label < 10 ? FASHION_MNIST_KNOWLEDGE : MNIST_KNOWLEDGE;
      for (const k of others) if (k.className.length > 1) expect(texts, `sample ${i}`).not.toContain(k.className);
      seen.add(label);
    }
    expect(seen.size).toBe(20);
  });

  it('tokenises the prompts of all 20 class names without [UNK]', () => {
    const { prompts, ids } = data.text.classPrompts;
    expect(ids.length).toBe(20 * prompts * data.text.length);
    expect(ids.includes(1)).toBe(false); // [UNK] is id 1
    for (const name of data.classNames)
      for (const w of splitWords(name)) expect(data.tokenizer.vocabulary.has(w), w).toBe(true);
  });
});
