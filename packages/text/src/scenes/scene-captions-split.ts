import * as tf from '@tensorflow/tfjs';
import type { Batch, DataSplit, SamplePreview } from '@kd/core';
import type { SceneSplit } from '@kd/data';
import type { WordTokenizer } from '../tokenizer/word-tokenizer.js';

/**
 * A split of scenes with their reading-order captions ("a 3 left of a 7 above a 1"): the scene batch
 * (image, multi-hot labels, boxes, proposals, …) plus `tokens` int32 [B, length] and `tokenMask`
 * float32 [B, length] of each scene's caption.
 */
export class SceneCaptionsSplit implements DataSplit {
  readonly size: number;
  /** As the scenes: true when training batches draw their pairs (`trainingPairs`). */
  readonly augments: boolean;
  /** The scenes' single labels, when they have them (`labels: 'class'`). */
  readonly labels?: Int32Array;

  constructor(
    readonly scenes: SceneSplit,
    readonly tokenizer: WordTokenizer,
    readonly length: number,
  ) {
    this.size = scenes.size;
    this.augments = scenes.augments;
    this.labels = scenes.labels;
  }

  /** The caption of scene `index` of this split. */
  caption(index: number): string {
    return this.scenes.scenes.get(index).caption;
  }

  /** The scene batch (given `augmentSeed`: a training batch, see `SceneSplit.batch`) with the captions. */
  batch(indices: Int32Array, options: { augmentSeed?: number } = {}): Batch {
    const encoded = this.tokenizer.encodeBatch(
      Array.from(indices, (i) => this.caption(i)),
      { length: this.length },
    );
    const base = this.scenes.batch(indices, options);
    const shape: [number, number] = [indices.length, this.length];
    return {
      ...base,
      tokens: tf.tensor2d(encoded.ids, shape, 'int32'),
      tokenMask: tf.tensor2d(encoded.attentionMask, shape, 'float32'),
    };
  }

  preview(index: number): SamplePreview {
    return this.scenes.preview(index);
  }
}
