import * as tf from '@tensorflow/tfjs';
import type { Batch, DataSplit, SamplePreview } from '@kd/core';
import type { ArraySplit, BatchOptions } from '@kd/data';
import { captionTexts, type SampleCaptions } from '../captions/caption-provider.js';
import type { WordTokenizer } from '../tokenizer/word-tokenizer.js';
import { chooseCaptionPosition, type CaptionKinds } from './caption-choice.js';

/** Options of a `CaptionedSplit` beyond its captions. */
export interface CaptionedSplitOptions {
  /** Which captions a batch may show (default `all`). */
  readonly kinds?: CaptionKinds;
}

/**
 * A split of a captioned dataset: the base `ArraySplit` (same size, labels and augmentation) with
 * one caption per sample in every batch, tokenised to `length` tokens. Captions are encoded per
 * batch, so nothing but the caption strings is held. When every sample's captions carry
 * precomputed embeddings (a JSON Lines file with `embeddings`), batches also hold the chosen
 * caption's embedding as `captionEmbedding` float32 [B, embeddingDim].
 */
export class CaptionedSplit implements DataSplit {
  readonly size: number;
  readonly labels: Int32Array;
  /** Which captions a batch may show. */
  readonly kinds: CaptionKinds;
  /** Dimension of the precomputed caption embeddings in every batch (undefined: none). */
  readonly embeddingDim?: number;

  constructor(
    readonly base: ArraySplit,
    /** Captions of every sample, by split index. */
    readonly captions: readonly SampleCaptions[],
    readonly tokenizer: WordTokenizer,
    /** Tokens per caption. */
    readonly length: number,
    options: CaptionedSplitOptions = {},
  ) {
    if (captions.length !== base.size)
      throw new Error(`captioned ${base.name} split: ${captions.length} caption entries for ${base.size} samples`);
    const empty = captions.findIndex((c) => captionTexts(c).length === 0);
    if (empty >= 0) throw new Error(`captioned ${base.name} split: sample ${empty} has no captions`);
    this.size = base.size;
    this.labels = base.labels;
    this.kinds = options.kinds ?? 'all';
    const dims = new Set(
      captions.map((c) =>
        c.embeddings && c.embeddings.length === captionTexts(c).length ? c.embeddings[0]!.length : -1,
      ),
    );
    if (dims.size === 1 && !dims.has(-1)) this.embeddingDim = [...dims][0];
  }

  get augments(): boolean {
    return this.base.augments;
  }

  /** The caption a batch with `augmentSeed` (default 0) shows for split index `index`. */
  caption(index: number, augmentSeed = 0): string {
    return captionTexts(this.captionsOf(index))[this.captionPosition(index, augmentSeed)]!;
  }

  /** Position (general first, then targeted) of the caption a batch with `augmentSeed` shows for `index`. */
  captionPosition(index: number, augmentSeed = 0): number {
    return chooseCaptionPosition(this.captionsOf(index), augmentSeed, index, this.kinds);
  }

  private captionsOf(index: number): SampleCaptions {
    const c = this.captions[index];
    if (!c) throw new RangeError(`captioned ${this.base.name} split: index ${index} out of range [0, ${this.size})`);
    return c;
  }

  /**
   * The base batch (`x`, `y`, `index`) plus `tokens` int32 [B, length] and `tokenMask` float32
   * [B, length] (1 token, 0 padding) of one caption per sample (see `chooseCaptionPosition`), and
   * `captionEmbedding` float32 [B, embeddingDim] of that caption when the captions carry embeddings.
   */
  batch(indices: Int32Array, options: BatchOptions = {}): Batch {
    const seed = options.augmentSeed ?? 0;
    const positions = Array.from(indices, (i) => this.captionPosition(i, seed));
    const texts = Array.from(indices, (i, b) => captionTexts(this.captionsOf(i))[positions[b]!]!);
    const encoded = this.tokenizer.encodeBatch(texts, { length: this.length });
    const base = this.base.batch(indices, options);
    const shape: [number, number] = [indices.length, this.length];
    const out: Batch = {
      ...base,
      tokens: tf.tensor2d(encoded.ids, shape, 'int32'),
      tokenMask: tf.tensor2d(encoded.attentionMask, shape, 'float32'),
    };
    if (this.embeddingDim === undefined) return out;
    const d = this.embeddingDim;
    const values = new Float32Array(indices.length * d);
    indices.forEach((i, b) => values.set(this.captionsOf(i).embeddings![positions[b]!]!, b * d));
    return { ...out, captionEmbedding: tf.tensor2d(values, [indices.length, d], 'float32') };
  }

  /** The base preview (image, class line) plus the caption evaluation shows. */
  preview(index: number): SamplePreview {
    const p = this.base.preview(index);
    return { ...p, lines: [...(p.lines ?? []), this.caption(index)] };
  }
}
