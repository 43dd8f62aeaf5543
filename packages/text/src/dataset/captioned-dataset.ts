import type { DataInfo, DataText, Dataset, SplitName } from '@kd/core';
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

  constructor(
    readonly base: ArrayDataset,
    private readonly splits: Readonly<Record<SplitName, CaptionedSplit>>,
    /** The tokenizer of every split's captions and of the class prompts. */
    readonly tokenizer: WordTokenizer,
    readonly text: DataText,
    /** Where each split's captions are cached, by whom they were made, and whether the cache already held them. */
    readonly captionCache?: Readonly<Record<SplitName, { readonly path: string; readonly provider: string; readonly fromCache: boolean }>>,
  ) {
    this.name = `${base.name}-captioned`;
    this.inputShape = base.inputShape;
    this.numClasses = base.numClasses;
    this.classNames = base.classNames;
    if (base.classGroups) this.classGroups = base.classGroups;
    const dim = splits.train.embeddingDim;
    if (dim !== undefined) this.captionEmbeddingDim = dim;
  }

  split(name: SplitName): CaptionedSplit {
    // the base reports unknown split names
    this.base.split(name);
    return this.splits[name];
  }
}
