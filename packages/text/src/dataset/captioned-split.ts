import * as tf from '@tensorflow/tfjs';
import type { Batch, DataSplit, SamplePreview } from '@kd/core';
import type { ArraySplit, BatchOptions } from '@kd/data';
import { captionTexts, type SampleCaptions } from '../captions/caption-provider.js';
import type { WordTokenizer } from '../tokenizer/word-tokenizer.js';
import { chooseCaption } from './caption-choice.js';

/**
 * A split of a captioned dataset: the base `ArraySplit` (same size, labels and augmentation) with
 * one caption per sample in every batch, tokenised to `length` tokens. Captions are encoded per
 * batch, so nothing but the caption strings is held.
 */
export class CaptionedSplit implements DataSplit {
  readonly size: number;
  readonly labels: Int32Array;

  constructor(
    readonly base: ArraySplit,
    /** Captions of every sample, by split index. */
    readonly captions: readonly SampleCaptions[],
    readonly tokenizer: WordTokenizer,
    /** Tokens per caption. */
    readonly length: number,
  ) {
    if (captions.length !== base.size) throw new Error(`captioned ${base.name} split: ${captions.length} caption entries for ${base.size} samples`);
    const empty = captions.findIndex((c) => captionTexts(c).length === 0);
    if (empty >= 0) throw new Error(`captioned ${base.name} split: sample ${empty} has no captions`);
    this.size = base.size;
    this.labels = base.labels;
  }

  get augments(): boolean {
    return this.base.augments;
  }

  /** The caption a batch with `augmentSeed` (default 0) shows for split index `index`. */
  caption(index: number, augmentSeed = 0): string {
    const c = this.captions[index];
    if (!c) throw new RangeError(`captioned ${this.base.name} split: index ${index} out of range [0, ${this.size})`);
    return chooseCaption(c, augmentSeed, index);
  }

  /**
   * The base batch (`x`, `y`, `index`) plus `tokens` int32 [B, length] and `tokenMask` float32
   * [B, length] (1 token, 0 padding) of one caption per sample (see `chooseCaption`).
   */
  batch(indices: Int32Array, options: BatchOptions = {}): Batch {
    const texts = Array.from(indices, (i) => this.caption(i, options.augmentSeed ?? 0));
    const encoded = this.tokenizer.encodeBatch(texts, { length: this.length });
    const base = this.base.batch(indices, options);
    const shape: [number, number] = [indices.length, this.length];
    return {
      ...base,
      tokens: tf.tensor2d(encoded.ids, shape, 'int32'),
      tokenMask: tf.tensor2d(encoded.attentionMask, shape, 'float32'),
    };
  }

  /** The base preview (image, class line) plus the caption evaluation shows. */
  preview(index: number): SamplePreview {
    const p = this.base.preview(index);
    return { ...p, lines: [...(p.lines ?? []), this.caption(index)] };
  }
}
