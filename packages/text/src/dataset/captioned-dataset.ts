import {
  CAPTION_EMBEDDING_SIZE,
  TEXT_WORDS,
  classificationBatchKeys,
  facetEntry,
  facets,
  type BatchKeySpecs,
  type DataInfo,
  type DataText,
  type Dataset,
  type Facets,
  type SplitName,
} from '@kd/core';
import { CLS_ID, PAD_ID, SEP_ID } from '../tokenizer/special-tokens.js';
import type { ArrayDataset } from '@kd/data';
import type { WordTokenizer } from '../tokenizer/word-tokenizer.js';
import type { CaptionedSplit } from './captioned-split.js';

/**
 * An image–text dataset for CLIP-style training: a base `ArrayDataset` whose splits carry one
 * caption per sample (`tokens`, `tokenMask`) and whose `text` holds the vocabulary size, the token
 * length and the tokenised class-name prompts for zero-shot classification.
 */
export class CaptionedDataset implements Dataset {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly classGroups?: DataInfo['classGroups'];
  /** Dimension of the precomputed caption embeddings (`captionEmbedding` in train batches); undefined: none. */
  readonly captionEmbeddingDim?: number;
  /** The base's keys plus the caption's `tokens`, `tokenMask` (and `captionEmbedding` when precomputed). */
  readonly batchKeys: BatchKeySpecs;
  /** The caption words (`TEXT_WORDS`) and, when precomputed, the caption-embedding size (`CAPTION_EMBEDDING_SIZE`). */
  readonly facets: Facets;

  constructor(
    readonly base: ArrayDataset,
    private readonly splits: Readonly<Record<SplitName, CaptionedSplit>>,
    /** The tokenizer of every split's captions and of the class prompts. */
    readonly tokenizer: WordTokenizer,
    readonly text: DataText,
    /** Where each split's captions are cached, by whom they were made, and whether the cache already held them. */
    readonly captionCache?: Readonly<
      Record<SplitName, { readonly path: string; readonly provider: string; readonly fromCache: boolean }>
    >,
  ) {
    this.name = `${base.name}-captioned`;
    this.inputShape = base.inputShape;
    this.numClasses = base.numClasses;
    this.classNames = base.classNames;
    if (base.classGroups) this.classGroups = base.classGroups;
    const dim = splits.train.embeddingDim;
    if (dim !== undefined) this.captionEmbeddingDim = dim;
    const t = text.length;
    this.batchKeys = {
      ...classificationBatchKeys(base),
      tokens: { shape: [t], dtype: 'int32', description: 'caption token ids: [CLS] words [SEP], [PAD] after' },
      tokenMask: { shape: [t], dtype: 'float32', description: '1 for a caption token, 0 for padding' },
      ...(dim !== undefined
        ? {
            captionEmbedding: {
              shape: [dim],
              dtype: 'float32' as const,
              description: 'precomputed caption embedding (train split)',
            },
          }
        : {}),
    };
    this.facets = facets(
      facetEntry(TEXT_WORDS, { words: tokenizer.vocabulary.tokens, cls: CLS_ID, sep: SEP_ID, pad: PAD_ID }),
      ...(dim !== undefined ? [facetEntry(CAPTION_EMBEDDING_SIZE, dim)] : []),
    );
  }

  split(name: SplitName): CaptionedSplit {
    // the base reports unknown split names
    this.base.split(name);
    return this.splits[name];
  }
}
