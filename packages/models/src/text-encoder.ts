import * as tf from '@tensorflow/tfjs';
import { Embedding, LayerNorm, Linear, Module, type Rng } from '@kd/core';
import { linearLastAxis as linear } from './linear-last-axis.js';
import { ModuleList } from './module-list.js';
import { TransformerEncoderLayer } from './transformer.js';
import { keyPaddingMask, maskedMean } from './token-masks.js';

export interface TextEncoderConfig {
  readonly vocabSize: number;
  /** tokens per text (T) */
  readonly length: number;
  readonly dModel: number;
  /** sentence embedding size */
  readonly outDim: number;
  /** 'transformer': pre-norm encoder layers over the tokens; 'bag': embeddings only (a pooled MLP) */
  readonly kind: 'transformer' | 'bag';
  readonly layers: number;
  readonly heads: number;
  readonly ffn: number;
}

/**
 * Sentence embeddings: token + position embeddings, then (kind 'transformer') pre-norm encoder
 * layers with padded keys masked, a final LayerNorm, the mean over the real tokens (attention mask
 * 1), and a Linear projection to `outDim`. With kind 'bag' the token embeddings are pooled directly
 * and projected through a 2-layer MLP (the "frozen text encoder" of the small VLM-KD setting can be
 * either). Padding never changes the embedding.
 */
export class TextEncoder extends Module {
  readonly tokens: Embedding;
  readonly positions: Embedding;
  readonly layers?: ModuleList<TransformerEncoderLayer>;
  readonly norm: LayerNorm;
  readonly hidden?: Linear;
  readonly projection: Linear;

  constructor(
    readonly config: TextEncoderConfig,
    rng: Rng,
  ) {
    super();
    const d = config.dModel;
    this.tokens = this.addChild('tokens', new Embedding(config.vocabSize, d, rng, 0.02));
    this.positions = this.addChild('positions', new Embedding(config.length, d, rng, 0.02));
    if (config.kind === 'transformer') {
      const layer = { dModel: d, heads: config.heads, ffn: config.ffn, normFirst: true, activation: 'gelu' as const };
      this.layers = this.addChild(
        'layers',
        new ModuleList(Array.from({ length: config.layers }, () => new TransformerEncoderLayer(layer, rng))),
      );
    } else {
      this.hidden = this.addChild('hidden', new Linear(d, d, rng));
    }
    this.norm = this.addChild('norm', new LayerNorm(d));
    this.projection = this.addChild('projection', new Linear(d, config.outDim, rng));
  }

  /** ids [B, T] int32, mask [B, T] (1 token, 0 padding) → [B, outDim] */
  apply(ids: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const t = ids.shape[1]!;
      if (t !== this.config.length)
        throw new Error(`text encoder: texts of length ${t}, expected ${this.config.length}`);
      let h = tf.add(this.tokens.apply(ids), this.positions.apply(tf.range(0, t, 1, 'int32'))) as tf.Tensor3D;
      if (this.layers) {
        const additive = keyPaddingMask(mask);
        for (const layer of this.layers.items) h = layer.apply(h, additive).y;
      }
      h = this.norm.apply(h) as tf.Tensor3D;
      let pooled: tf.Tensor = maskedMean(h, mask);
      if (this.hidden) pooled = tf.relu(linear(this.hidden, pooled));
      return this.projection.apply(pooled) as tf.Tensor2D;
    });
  }
}
