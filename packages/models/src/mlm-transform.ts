import * as tf from '@tensorflow/tfjs';
import { LayerNorm, Linear, Module, type Rng } from '@kd/core';
import { linearLastAxis } from './linear-last-axis.js';

/** BERT's layer-norm ε (VL-BERT's and RVL-BERT's every LayerNorm; tfjs layers default to 1e-3). */
export const BERT_LAYER_NORM_EPS = 1e-12;

/** Exact GELU: x · Φ(x) = x · ½ (1 + erf(x / √2)) (BERT's, not the tanh approximation). */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/**
 * BERT's masked-token transform (`cls.predictions.transform`): Dense(d → d) → erf GELU →
 * LayerNorm(ε 1e-12). Children `dense`, `norm`. A VL transformer with `mlmTransform` runs it before
 * its masked-token classifier; RVL-BERT's answer head starts from the pre-trained one.
 */
export class MlmTransform extends Module {
  readonly dense: Linear;
  readonly norm: LayerNorm;

  constructor(width: number, rng: Rng) {
    super();
    this.dense = this.addChild('dense', new Linear(width, width, rng));
    this.norm = this.addChild('norm', new LayerNorm(width, BERT_LAYER_NORM_EPS));
  }

  /** x [..., d] → [..., d] (any rank: tfjs's broadcast matMul has no gradient for a batched input). */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.norm.apply(geluErf(linearLastAxis(this.dense, x))));
  }
}
