import * as tf from '@tensorflow/tfjs';
import { Module } from '../contract/module.js';

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
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [x.rank - 1], true);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps))), this.gamma), this.beta);
    });
  }
}
