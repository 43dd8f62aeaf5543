import * as tf from '@tensorflow/tfjs';
import { Module } from '../contract/module.js';
import { layerNorm } from '../ops/layer-norm.js';

/** Layer normalisation over the last axis (PyTorch nn.LayerNorm: γ = 1, β = 0, biased variance). */
export class LayerNorm extends Module {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(
    readonly features: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.gamma = this.addParam('weight', tf.ones([features]));
    this.beta = this.addParam('bias', tf.zeros([features]));
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => layerNorm(x, this.gamma, this.beta, this.eps));
  }
}
