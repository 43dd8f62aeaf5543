import * as tf from '@tensorflow/tfjs';
import { Module } from '../contract/module.js';

/**
 * A contrastive temperature learned as CLIP learns it: a scalar log-scale s (parameter `logScale`)
 * with τ = 1 / min(e^s, 100), initialised at s = log(1 / τ₀). Used by CLIP-style training and VLM-KD.
 */
export class LearnedTemperature extends Module {
  /** CLIP clamps the logit scale e^s at 100. */
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
