import * as tf from '@tensorflow/tfjs';
import { Module } from '@kd/core';

/**
 * A learned contrastive temperature, as CLIP learns it: a scalar log-scale s with τ = 1 / min(e^s, 100),
 * initialised at s = log(1 / τ₀). (Our own small copy of the idea in @kd/method-clip; a method
 * package depends on @kd/core only.)
 */
export class LearnedTemperature extends Module {
  static readonly MAX_SCALE = 100;
  readonly logScale: tf.Variable;

  constructor(initialTemperature: number) {
    super();
    this.logScale = this.addParam('logScale', tf.scalar(Math.log(1 / initialTemperature)));
  }

  /** τ, differentiable in s below the clamp. */
  temperature(): tf.Scalar {
    return tf.tidy(() => tf.div(1, tf.minimum(tf.exp(this.logScale), LearnedTemperature.MAX_SCALE)) as tf.Scalar);
  }
}
