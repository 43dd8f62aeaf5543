import {
  CAPTION_EMBEDDING_SIZE,
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
import type { ArrayDataset } from '@kd/data';
import type { WordTokenizer } from '../tokenizer/word-tokenizer.js';
import type { CaptionedSplit } from './captioned-split.js';
import { textBatchKeys, textWordsFacet } from './text-batch-keys.js';

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
      ...textBatchKeys(t, 'caption'),
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
      textWordsFacet(tokenizer),
      ...(dim !== undefined ? [facetEntry(CAPTION_EMBEDDING_SIZE, dim)] : []),
    );
  }

  split(name: SplitName): CaptionedSplit {
    // the base reports unknown split names
    this.base.split(name);
    return this.splits[name];
  }
}
