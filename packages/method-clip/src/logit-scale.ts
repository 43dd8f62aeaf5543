import * as tf from '@tensorflow/tfjs';
import { Module } from '@kd/core';

/**
 * CLIP's learned temperature: a scalar log-scale s with τ = exp(−s), initialised at s = log(1/τ₀)
 * and clamped so the logit scale exp(s) never exceeds 100 (as CLIP does).
 */
export class LogitScale extends Module {
  static readonly MAX_SCALE = 100;
  readonly logScale: tf.Variable;

  constructor(initialTemperature: number) {
    super();
    this.logScale = this.addParam('logScale', tf.scalar(Math.log(1 / initialTemperature)));
  }

  /** τ = 1 / min(exp(s), 100), differentiable in s below the clamp */
  temperature(): tf.Scalar {
    return tf.tidy(() => tf.div(1, tf.minimum(tf.exp(this.logScale), LogitScale.MAX_SCALE)) as tf.Scalar);
  }
}
