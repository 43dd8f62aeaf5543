import { describe, expect, it } from 'vitest';
import { ngramCounts, tokenizeCaption, tokenizeCorpus } from './caption-tokenize.js';

describe('tokenizeCaption', () => {
  it('lower-cases, deletes punctuation (without splitting) and splits on whitespace', () => {
    expect(tokenizeCaption("A Dog's  T-shirt, on the (red) mat!\n")).toEqual([
      'a',
      'dogs',
      'tshirt',
      'on',
      'the',
      'red',
      'mat',
    ]);
  });

  it('handles Unicode punctuation and empty results', () => {
    expect(tokenizeCaption('« Bonjour »… — OK\t')).toEqual(['bonjour', 'ok']);
    expect(tokenizeCaption('...')).toEqual([]);
    expect(tokenizeCaption('')).toEqual([]);
  });
});

describe('ngramCounts', () => {
  it('counts every order up to maxN; a caption of length L has L − n + 1 n-grams', () => {
    const [uni, bi, tri] = ngramCounts(['a', 'b', 'a', 'b'], 3);
    expect([...uni!]).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect([...bi!]).toEqual([
      ['a\u0000b', 2],
      ['b\u0000a', 1],
    ]);
    expect([...tri!].map(([, k]) => k)).toEqual([1, 1]);
    expect(ngramCounts(['a'], 2)[1]!.size).toBe(0);
  });
});

describe('tokenizeCorpus', () => {
  it('keeps pre-tokenised captions and checks the corpus shape', () => {
    const c = tokenizeCorpus('t', ['A b', ['X', 'y']], [['a'], [['x']]]);
    expect(c.candidates).toEqual([
      ['a', 'b'],
      ['X', 'y'],
    ]);
    expect(() => tokenizeCorpus('t', ['a'], [])).toThrow('t: 1 candidates but 0 reference sets');
    expect(() => tokenizeCorpus('t', [], [])).toThrow('t: the corpus is empty');
    expect(() => tokenizeCorpus('t', ['a'], [[]])).toThrow('t: image 0 has no reference captions');
  });
});
