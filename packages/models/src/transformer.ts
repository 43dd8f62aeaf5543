import * as tf from '@tensorflow/tfjs';
import {
  LayerNorm,
  headContext,
  headScores,
  Linear,
  Module,
  Rng,
  TappedModel,
  normalTensor,
  type Batch,
  type ForwardOptions,
  type TapSpec,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { linearLastAxis as linear } from './linear-last-axis.js';
import { geluErf } from './mlm-transform.js';
import { ModuleList } from './module-list.js';
import { TapRecorder } from './tap-recorder.js';
import { keyPaddingMask, maskedMean } from './token-masks.js';

/**
 * Multi-head scaled dot-product self-attention with separate q/k/v/out projections (the same
 * parameter count as PyTorch's nn.MultiheadAttention). `mask` is additive, broadcast to
 * [B, heads, Nq, Nk] (0 to keep, a large negative number to drop a key).
 */
export class MultiHeadAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;

  constructor(
    readonly dModel: number,
    readonly heads: number,
    rng: Rng,
  ) {
    super();
    if (dModel % heads !== 0) throw new Error(`dModel ${dModel} is not divisible by heads ${heads}`);
    this.q = this.addChild('q', new Linear(dModel, dModel, rng));
    this.k = this.addChild('k', new Linear(dModel, dModel, rng));
    this.v = this.addChild('v', new Linear(dModel, dModel, rng));
    this.out = this.addChild('out', new Linear(dModel, dModel, rng));
  }

  /** x: [B, N, D] → { y: [B, N, D], probs: [B, heads, N, N] } */
  apply(x: tf.Tensor3D, mask?: tf.Tensor): { y: tf.Tensor3D; probs: tf.Tensor4D } {
    const [b, n] = x.shape;
    const dh = this.dModel / this.heads;
    // heads stay where the projections put them ([B, N, heads, dh]): no transposes
    const split = (t: tf.Tensor) => tf.reshape(t, [b, n, this.heads, dh]) as tf.Tensor4D;
    const q = split(linear(this.q, x));
    const k = split(linear(this.k, x));
    const v = split(linear(this.v, x));
    let scores = tf.mul(headScores(q, k), 1 / Math.sqrt(dh));
    if (mask) scores = tf.add(scores, mask);
    const probs = tf.softmax(scores) as tf.Tensor4D;
    const context = tf.reshape(headContext(probs, v), [b, n, this.dModel]);
    return { y: linear(this.out, context) as tf.Tensor3D, probs };
  }
}

export interface EncoderLayerConfig {
  readonly dModel: number;
  readonly heads: number;
  readonly ffn: number;
  /** pre-norm (x + f(norm(x))) instead of PyTorch's default post-norm (norm(x + f(x))) */
  readonly normFirst: boolean;
  readonly activation: 'relu' | 'gelu';
}

/** One transformer encoder layer (PyTorch nn.TransformerEncoderLayer without dropout). */
export class TransformerEncoderLayer extends Module {
  readonly attention: MultiHeadAttention;
  readonly ffn1: Linear;
  readonly ffn2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;

  constructor(
    readonly config: EncoderLayerConfig,
    rng: Rng,
  ) {
    super();
    this.attention = this.addChild('attention', new MultiHeadAttention(config.dModel, config.heads, rng));
    this.ffn1 = this.addChild('ffn1', new Linear(config.dModel, config.ffn, rng));
    this.ffn2 = this.addChild('ffn2', new Linear(config.ffn, config.dModel, rng));
    this.norm1 = this.addChild('norm1', new LayerNorm(config.dModel));
    this.norm2 = this.addChild('norm2', new LayerNorm(config.dModel));
  }

  private feedForward(x: tf.Tensor): tf.Tensor {
    const h = linear(this.ffn1, x);
    // gelu: the tanh approximation's exact sibling is not in tfjs; use x·Φ(x) via erf
    const a = this.config.activation === 'relu' ? tf.relu(h) : geluErf(h);
    return linear(this.ffn2, a);
  }

  apply(x: tf.Tensor3D, mask?: tf.Tensor): { y: tf.Tensor3D; probs: tf.Tensor4D } {
    if (this.config.normFirst) {
      const att = this.attention.apply(this.norm1.apply(x) as tf.Tensor3D, mask);
      const h = tf.add(x, att.y);
      return { y: tf.add(h, this.feedForward(this.norm2.apply(h))) as tf.Tensor3D, probs: att.probs };
    }
    const att = this.attention.apply(x, mask);
    const h = this.norm1.apply(tf.add(x, att.y));
    return { y: this.norm2.apply(tf.add(h, this.feedForward(h))) as tf.Tensor3D, probs: att.probs };
  }
}

export interface TransformerClassifierConfig extends EncoderLayerConfig {
  /** [N, F]: N tokens of F features */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly layers: number;
  readonly seed: number;
  readonly arch?: string;
}

/**
 * A transformer encoder classifier over a sequence of feature vectors: a Linear input projection
 * (`embed`) plus a learned positional embedding (`pos`), `layers` encoder layers, mean pooling over
 * the tokens, and a Linear head `fc`. Taps: `layer{i}` ([N, D] hidden states after layer i, 1-based),
 * `layer{i}.attention` ([heads, N, N] attention probabilities), `embedding`, `logits`.
 * An optional `batch.mask` ([B, N], 1 = token, 0 = padding) hides padded keys and is excluded
 * from the pooling.
 */
export class TransformerClassifier extends TappedModel {
  readonly arch: string;
  readonly inputShape: readonly [number, number];
  readonly numClasses: number;
  readonly embed: Linear;
  readonly pos: tf.Variable;
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly finalNorm?: LayerNorm;
  readonly fc: Linear;
  private readonly specs: TapSpecs;

  constructor(readonly config: TransformerClassifierConfig) {
    super();
    if (config.inputShape.length !== 2) {
      throw new Error(`transformer input must be [tokens, features], got [${config.inputShape.join(', ')}]`);
    }
    this.arch = config.arch ?? 'transformer';
    const [n, f] = config.inputShape as [number, number];
    this.inputShape = [n, f];
    this.numClasses = config.numClasses;
    const rng = new Rng(config.seed);
    this.embed = this.addChild('embed', new Linear(f, config.dModel, rng));
    this.pos = this.addParam('pos', normalTensor([n, config.dModel], 0.02, rng));
    this.layers = this.addChild(
      'layers',
      new ModuleList(Array.from({ length: config.layers }, () => new TransformerEncoderLayer(config, rng))),
    );
    if (config.normFirst) this.finalNorm = this.addChild('norm', new LayerNorm(config.dModel));
    this.fc = this.addChild('fc', new Linear(config.dModel, config.numClasses, rng));
    const specs: Record<string, TapSpec> = {};
    for (let i = 1; i <= config.layers; i++) {
      specs[`layer${i}`] = { shape: [n, config.dModel], kind: 'hidden', description: `hidden states after layer ${i}` };
      specs[`layer${i}.attention`] = {
        shape: [config.heads, n, n],
        kind: 'attention',
        description: `attention probabilities of layer ${i}`,
      };
    }
    specs.embedding = { shape: [config.dModel], kind: 'embedding', description: 'mean of the final token states' };
    specs.logits = { shape: [config.numClasses], kind: 'logits' };
    this.specs = specs;
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      const x = batch.x as tf.Tensor3D;
      const keep = (batch as Batch & { mask?: tf.Tensor2D }).mask;
      const mask = keep ? keyPaddingMask(keep) : undefined;
      let h = tf.add(linear(this.embed, x), this.pos) as tf.Tensor3D;
      this.layers.items.forEach((layer, i) => {
        const out = layer.apply(h, mask);
        h = out.y;
        taps.record(`layer${i + 1}`, h);
        taps.record(`layer${i + 1}.attention`, out.probs);
      });
      if (this.finalNorm) h = this.finalNorm.apply(h) as tf.Tensor3D;
      const embedding = keep ? maskedMean(h, keep) : tf.mean(h, 1);
      taps.record('embedding', embedding);
      taps.record('logits', this.fc.apply(embedding));
      return taps.values;
    }) as TapValues;
  }
}
