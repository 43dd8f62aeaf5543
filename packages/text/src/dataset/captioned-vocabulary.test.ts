import { describe, expect, it } from 'vitest';
import { UNK_ID } from '../tokenizer/special-tokens.js';
import { WordTokenizer } from '../tokenizer/word-tokenizer.js';
import { captionedVocabulary } from './captioned-vocabulary.js';
import { classPromptTexts, encodeClassPrompts, fillPrompt } from './class-prompts.js';

describe('class prompts', () => {
  it('fills {} with the class name, class-major', () => {
    expect(fillPrompt('a photo of a {}.', 'Ankle boot')).toBe('a photo of a Ankle boot.');
    expect(classPromptTexts(['Bag', 'Coat'], ['a {}', 'the {}'])).toEqual(['a Bag', 'the Bag', 'a Coat', 'the Coat']);
  });

  it('encodes [K, P, length] ids and mask', () => {
    const prompts = ['a photo of a {}.', 'this is a {}.'];
    const names = ['T-shirt/top', 'Bag'];
    const tok = new WordTokenizer(captionedVocabulary([], classPromptTexts(names, prompts)));
    const { ids, mask, prompts: p } = encodeClassPrompts(tok, names, prompts, 10);
    expect(p).toBe(2);
    expect(ids.length).toBe(2 * 2 * 10);
    expect(tok.decode(ids.subarray(0, 10))).toBe('a photo of a t shirt top');
    expect(tok.decode(ids.subarray(30, 40))).toBe('this is a bag');
    expect(Array.from(mask.subarray(30, 40))).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  });
});

describe('captionedVocabulary', () => {
  it('keeps train words by minCount and always keeps prompt words', () => {
    const train = [
      { general: ['a dark boot'], targeted: ['a dark bag'] },
      { general: ['a dark shoe'], targeted: [] },
    ];
    const vocab = captionedVocabulary(train, ['this is a zebra'], 2);
    expect(vocab.has('dark')).toBe(true);
    expect(vocab.has('boot')).toBe(false);
    for (const w of ['this', 'is', 'a', 'zebra']) expect(vocab.has(w)).toBe(true);
    expect(new WordTokenizer(vocab).encode('this is a zebra')).not.toContain(UNK_ID);
  });
});
