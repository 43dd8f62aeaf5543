import { CLS_ID, PAD_ID, SEP_ID, isSpecialId } from './special-tokens.js';
import { splitWords } from './split-words.js';
import type { Vocabulary } from './vocabulary.js';

export interface EncodeOptions {
  /** Maximum number of ids, special tokens included; longer texts are truncated (words dropped from the end). */
  readonly maxLength?: number;
  /** Wrap the words in [CLS] … [SEP] (default true). [SEP] is kept last when truncating. */
  readonly addSpecial?: boolean;
}

/** Texts encoded to one fixed length, row-major [batchSize, length]. */
export interface EncodedBatch {
  readonly batchSize: number;
  readonly length: number;
  /** Token ids, [PAD] (0) after each text. */
  readonly ids: Int32Array;
  /** 1 where `ids` is a token, 0 where it is padding. */
  readonly attentionMask: Float32Array;
  /** Number of real tokens of each text. */
  readonly lengths: Int32Array;
}

/** Word-level tokenizer over a `Vocabulary`; unknown words become [UNK]. */
export class WordTokenizer {
  constructor(readonly vocabulary: Vocabulary) {}

  encode(text: string, options: EncodeOptions = {}): number[] {
    const addSpecial = options.addSpecial ?? true;
    const reserved = addSpecial ? 2 : 0;
    const maxLength = options.maxLength ?? Infinity;
    if (maxLength < reserved) throw new RangeError(`encode: maxLength ${maxLength} leaves no room for [CLS] and [SEP]`);
    const words = splitWords(text)
      .slice(0, maxLength - reserved)
      .map((w) => this.vocabulary.idOf(w));
    return addSpecial ? [CLS_ID, ...words, SEP_ID] : words;
  }

  /** Encodes every text, truncated and padded to `length` (default: the longest encoded text). */
  encodeBatch(texts: readonly string[], options: { length?: number; addSpecial?: boolean } = {}): EncodedBatch {
    const encoded = texts.map((t) => this.encode(t, { maxLength: options.length, addSpecial: options.addSpecial }));
    const length = options.length ?? Math.max(0, ...encoded.map((e) => e.length));
    const ids = new Int32Array(texts.length * length).fill(PAD_ID);
    const attentionMask = new Float32Array(texts.length * length);
    const lengths = new Int32Array(texts.length);
    encoded.forEach((e, b) => {
      ids.set(e, b * length);
      attentionMask.fill(1, b * length, b * length + e.length);
      lengths[b] = e.length;
    });
    return { batchSize: texts.length, length, ids, attentionMask, lengths };
  }

  /** The words of `ids` joined by single spaces, special tokens (and padding) skipped. */
  decode(ids: ArrayLike<number>): string {
    const words: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!isSpecialId(id)) words.push(this.vocabulary.tokenOf(id));
    }
    return words.join(' ');
  }
}
