import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodedBatchTensors } from './encoded-batch-tensors.js';
import { CLS_ID, PAD_ID, SEP_ID, SPECIAL_TOKENS, UNK_ID } from './special-tokens.js';
import { splitWords } from './split-words.js';
import { Vocabulary, loadVocabulary, saveVocabulary } from './vocabulary.js';
import { WordTokenizer } from './word-tokenizer.js';

const corpus = ['A small bright shoe.', 'A thin, dark shoe!', 'a T-shirt/top', 'the bag'];

describe('splitWords', () => {
  it('lower-cases and drops whitespace and punctuation', () => {
    expect(splitWords('  A T-shirt/top,  Ankle-boot!\n 42x ')).toEqual([
      'a',
      't',
      'shirt',
      'top',
      'ankle',
      'boot',
      '42x',
    ]);
    expect(splitWords('...')).toEqual([]);
  });
});

describe('Vocabulary', () => {
  it('puts specials first, then words by descending count then alphabetically', () => {
    const v = Vocabulary.build(corpus);
    // a: 3, shoe: 2, then count 1 alphabetically
    expect(v.tokens).toEqual([
      ...SPECIAL_TOKENS,
      'a',
      'shoe',
      'bag',
      'bright',
      'dark',
      'shirt',
      'small',
      't',
      'the',
      'thin',
      'top',
    ]);
  });

  it('is the same for any corpus order', () => {
    expect(Vocabulary.build([...corpus].reverse()).tokens).toEqual(Vocabulary.build(corpus).tokens);
  });

  it('applies minCount and maxSize', () => {
    expect(Vocabulary.build(corpus, { minCount: 2 }).tokens.slice(5)).toEqual(['a', 'shoe']);
    expect(Vocabulary.build(corpus, { maxSize: 8 }).tokens.slice(5)).toEqual(['a', 'shoe', 'bag']);
    expect(() => Vocabulary.build(corpus, { maxSize: 3 })).toThrow(/maxSize/);
  });

  it('saves and loads as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-vocab-'));
    try {
      const v = Vocabulary.build(corpus);
      saveVocabulary(v, join(dir, 'vocab.json'));
      const back = loadVocabulary(join(dir, 'vocab.json'));
      expect(back.tokens).toEqual(v.tokens);
      expect(back.idOf('shoe')).toBe(v.idOf('shoe'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects JSON without the special tokens in place', () => {
    expect(() =>
      Vocabulary.fromJSON({
        format: 'kd-vocabulary',
        version: 1,
        tokens: ['[UNK]', '[PAD]', '[CLS]', '[SEP]', '[MASK]'],
      }),
    ).toThrow(/token 0 must be \[PAD\]/);
    expect(() => Vocabulary.fromJSON({ tokens: [] })).toThrow(/kd-vocabulary/);
  });
});

describe('Vocabulary fingerprints', () => {
  it('are equal for equal token lists and differ when only the order differs', () => {
    const a = Vocabulary.build(['b a c a']);
    expect(Vocabulary.build(['b a c a']).fingerprint()).toBe(a.fingerprint());
    expect(new Vocabulary([...a.tokens.slice(0, 5), ...a.tokens.slice(5).reverse()]).fingerprint()).not.toBe(
      a.fingerprint(),
    );
    expect(a.fingerprint()).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('WordTokenizer', () => {
  const tok = new WordTokenizer(Vocabulary.build(corpus));

  it('round-trips in-vocabulary text through encode and decode', () => {
    const ids = tok.encode('A small, bright shoe.');
    expect(ids[0]).toBe(CLS_ID);
    expect(ids.at(-1)).toBe(SEP_ID);
    expect(ids).not.toContain(UNK_ID);
    expect(tok.decode(ids)).toBe('a small bright shoe');
  });

  it('encodes unknown words as [UNK]', () => {
    const ids = tok.encode('a purple shoe', { addSpecial: false });
    expect(ids).toEqual([tok.vocabulary.idOf('a'), UNK_ID, tok.vocabulary.idOf('shoe')]);
    expect(tok.decode(ids)).toBe('a shoe');
  });

  it('truncates to maxLength keeping [SEP] last', () => {
    const ids = tok.encode('a small bright shoe', { maxLength: 4 });
    expect(ids).toHaveLength(4);
    expect(ids).toEqual([CLS_ID, tok.vocabulary.idOf('a'), tok.vocabulary.idOf('small'), SEP_ID]);
    expect(tok.encode('a small bright shoe', { maxLength: 2, addSpecial: false })).toHaveLength(2);
    expect(() => tok.encode('a', { maxLength: 1 })).toThrow(/maxLength/);
  });

  it('pads a batch to a fixed length with a mask matching each length', () => {
    const texts = ['a shoe', 'the small bright shoe', 'a small bright thin dark shoe'];
    const b = tok.encodeBatch(texts, { length: 6 });
    expect([b.batchSize, b.length]).toEqual([3, 6]);
    expect([...b.lengths]).toEqual([4, 6, 6]);
    for (let r = 0; r < 3; r++) {
      const row = [...b.ids.subarray(r * 6, r * 6 + 6)];
      const mask = [...b.attentionMask.subarray(r * 6, r * 6 + 6)];
      expect(mask).toEqual(row.map((_, i) => (i < b.lengths[r]! ? 1 : 0)));
      expect(row.slice(b.lengths[r]!).every((id) => id === PAD_ID)).toBe(true);
      expect(row[b.lengths[r]! - 1]).toBe(SEP_ID);
    }
    expect(tok.decode(b.ids.subarray(0, 6))).toBe('a shoe');
  });

  it('defaults the batch length to the longest text', () => {
    const b = tok.encodeBatch(['a', 'a shoe shoe']);
    expect(b.length).toBe(5);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('makes int32 ids and float32 mask tensors', () => {
    const b = tok.encodeBatch(['a shoe', 'bag'], { length: 5 });
    const t = encodedBatchTensors(b);
    try {
      expect(t.ids.dtype).toBe('int32');
      expect(t.ids.shape).toEqual([2, 5]);
      expect(t.attentionMask.dtype).toBe('float32');
      expect(Array.from(t.ids.dataSync())).toEqual(Array.from(b.ids));
      expect(Array.from(t.attentionMask.dataSync())).toEqual(Array.from(b.attentionMask));
    } finally {
      t.ids.dispose();
      t.attentionMask.dispose();
    }
  });
});
