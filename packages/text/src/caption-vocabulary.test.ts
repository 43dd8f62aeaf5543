import { describe, expect, it } from 'vitest';
import { captionTexts } from './captions/caption-provider.js';
import { TemplateCaptioner } from './captions/template-captioner.js';
import { rectImage } from './captions/test-images.js';
import { UNK_ID } from './tokenizer/special-tokens.js';
import { splitWords } from './tokenizer/split-words.js';
import { Vocabulary } from './tokenizer/vocabulary.js';
import { WordTokenizer } from './tokenizer/word-tokenizer.js';

describe('template captions through the tokenizer', () => {
  it('builds a vocabulary that encodes every caption without [UNK] and decodes back to its words', () => {
    const captioner = new TemplateCaptioner({ seed: 11, knowledge: 'fashion-mnist' });
    const texts = Array.from({ length: 60 }, (_, i) =>
      captionTexts(
        captioner.captions({ index: i, label: i % 10, image: rectImage(28, i % 10, 3, 12 + (i % 10), 14 + (i % 7)) }),
      ),
    ).flat();
    const tok = new WordTokenizer(Vocabulary.build(texts));
    for (const text of texts) {
      const ids = tok.encode(text);
      expect(ids).not.toContain(UNK_ID);
      expect(tok.decode(ids)).toBe(splitWords(text).join(' '));
    }
  });
});
