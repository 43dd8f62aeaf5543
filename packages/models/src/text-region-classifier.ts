import * as tf from '@tensorflow/tfjs';
import { Linear, Module, Rng, normalTensor } from '@kd/core';

/** How ViLD-text treats the novel classes' logits in training (at evaluation every class is scored). */
export type NovelLogits = 'mask' | 'remove';

/**
 * A logit low enough that its softmax probability underflows to exactly 0 in float32 (a removed
 * class), yet finite, so that a cross-entropy's 0 · log p stays 0 rather than NaN.
 */
export const REMOVED_LOGIT = -1e9;

export interface TextRegionClassifierConfig {
  /** Width of the region embedding it projects (the detector head's FC output). */
  readonly hidden: number;
  /** The class-name text embeddings [K · D], row-major (normalised again here). */
  readonly text: Float32Array;
  /** D: the text embeddings' size; the region embedding is projected to it. */
  readonly dim: number;
  /** τ: logits are cosines divided by it (ViLD: 0.01). */
  readonly temperature: number;
  /** The novel classes (0-based class indices), treated by `novel` in training. */
  readonly novelClasses: readonly number[];
  readonly novel: NovelLogits;
}

/** Rows divided by their L2 norm (an all-zero row stays zero). */
export function l2Rows(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), 1e-12));
}

/**
 * ViLD-text's region logits [N, K+1] from projected region embeddings `visual` [N, D] (not yet
 * normalised), the class text embeddings `text` [K, D] and the background embedding `background` [D]:
 * [cos(e, e_bg), cos(e, t_1), …, cos(e, t_K)] / τ. In training (`training`), the novel classes'
 * logits (1-based columns k + 1) are multiplied by 0 (`mask`, the official code: logit 0) or set to
 * `REMOVED_LOGIT` (`remove`: out of the softmax).
 */
export function textRegionLogits(
  visual: tf.Tensor2D,
  text: tf.Tensor2D,
  background: tf.Tensor1D,
  options: { temperature: number; novelClasses: readonly number[]; novel: NovelLogits; training: boolean },
): tf.Tensor2D {
  return tf.tidy(() => {
    const e = l2Rows(visual);
    const classes = tf.concat([tf.reshape(l2Rows(background), [1, -1]), l2Rows(text)], 0);
    const logits = tf.div(tf.matMul(e, classes, false, true), options.temperature) as tf.Tensor2D;
    if (!options.training || options.novelClasses.length === 0) return logits;
    const k1 = text.shape[0] + 1;
    const keep = new Float32Array(k1).fill(1);
    for (const k of options.novelClasses) keep[k + 1] = 0;
    const kept = tf.mul(logits, tf.tensor1d(keep));
    if (options.novel === 'mask') return kept as tf.Tensor2D;
    const removed = tf.tensor1d(keep.map((v) => (v === 0 ? REMOVED_LOGIT : 0)));
    return tf.add(kept, removed) as tf.Tensor2D;
  });
}

/**
 * ViLD-text's region classifier: the region embedding is projected (Linear hidden → D) to the text
 * embeddings' space, and classified by its cosines with a learnable background embedding and the
 * frozen class-name text embeddings, divided by τ (`textRegionLogits`). The text embeddings are a
 * constant (no variable: no gradient, not in the optimizer), so swapping them changes the classes.
 */
export class TextRegionClassifier extends Module {
  readonly projection: Linear;
  /** e_bg [D], learnable; normalised in the cosine. */
  readonly background: tf.Variable;
  readonly numClasses: number;

  constructor(
    readonly config: TextRegionClassifierConfig,
    rng: Rng,
  ) {
    super();
    if (config.text.length % config.dim !== 0) throw new Error('text-region-classifier: text is not K × dim');
    this.numClasses = config.text.length / config.dim;
    this.projection = this.addChild('projection', new Linear(config.hidden, config.dim, rng));
    // a random direction of about unit norm (its scale does not matter to the cosine)
    this.background = this.addParam('background', normalTensor([config.dim], 1 / Math.sqrt(config.dim), rng));
  }

  /** Projected region embeddings [N, D] (not normalised) of region embeddings [N, hidden]. */
  project(embedding: tf.Tensor2D): tf.Tensor2D {
    return this.projection.apply(embedding) as tf.Tensor2D;
  }

  /** The normalised projected embeddings [N, D] of region embeddings [N, hidden] (`regionVisualEmbedding`'s rows). */
  embed(embedding: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => l2Rows(this.project(embedding)) as tf.Tensor2D);
  }

  /**
   * The class logits [N, K] (no background column) of embeddings `visual` [N, D] from another
   * projection (ViLD-ensemble's image branch): their cosines with the class text embeddings / τ, every
   * class scored (no novel mask).
   */
  classLogits(visual: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const text = l2Rows(tf.tensor2d(this.config.text, [this.numClasses, this.config.dim]));
      return tf.div(tf.matMul(l2Rows(visual), text, false, true), this.config.temperature) as tf.Tensor2D;
    });
  }

  /** The normalised projected embeddings [N, D] and the logits [N, K+1] of region embeddings [N, hidden]. */
  apply(embedding: tf.Tensor2D, training: boolean): { visual: tf.Tensor2D; logits: tf.Tensor2D } {
    return tf.tidy(() => {
      const projected = this.project(embedding);
      const { temperature, novelClasses, novel } = this.config;
      const text = tf.tensor2d(this.config.text, [this.numClasses, this.config.dim]);
      const logits = textRegionLogits(projected, text, this.background as tf.Tensor1D, {
        temperature,
        novelClasses,
        novel,
        training,
      });
      return { visual: l2Rows(projected) as tf.Tensor2D, logits };
    });
  }
}
