import { TEXT_WORDS, facetEntry, type BatchKeySpecs } from '@kd/core';
import { CLS_ID, PAD_ID, SEP_ID } from '../tokenizer/special-tokens.js';
import type { WordTokenizer } from '../tokenizer/word-tokenizer.js';

/** The batch keys of one tokenised text per sample (`what`: caption, question, …) of `length` tokens. */
export function textBatchKeys(length: number, what: string): BatchKeySpecs {
  return {
    tokens: { shape: [length], dtype: 'int32', description: `${what} token ids: [CLS] words [SEP], [PAD] after` },
    tokenMask: { shape: [length], dtype: 'float32', description: `1 for a ${what} token, 0 for padding` },
  };
}

/** The `TEXT_WORDS` facet entry of a tokenizer's vocabulary (captioning decodes with it). */
export function textWordsFacet(tokenizer: WordTokenizer): readonly [string, unknown] {
  return facetEntry(TEXT_WORDS, { words: tokenizer.vocabulary.tokens, cls: CLS_ID, sep: SEP_ID, pad: PAD_ID });
}
