import * as tf from '@tensorflow/tfjs';
import { Module } from '../contract/module.js';
import { UserError } from '../util/errors.js';

/**
 * A contrastive temperature learned as CLIP learns it: a scalar log-scale s (parameter `logScale`),
 * τ = 1 / e^s, initialised at s = log(1 / τ₀). Like CLIP's training code (open_clip:
 * `logit_scale.clamp_(0, math.log(100))` under `no_grad` after each optimizer step), s is clamped to
 * [0, ln 100] after every step — a constraint on the value, not inside the graph — so the logit scale
 * e^s never exceeds 100 and its gradient stays alive at the bound (an in-graph `min(e^s, 100)` would
 * give a zero gradient there, and s could never come back). Used by CLIP-style training and VLM-KD.
 */
export class LearnedTemperature extends Module {
  /** CLIP clamps the logit scale e^s at 100. */
  static readonly MAX_SCALE = 100;
  readonly logScale: tf.Variable;

  /** τ₀ must lie where the clamp lets τ be: [1/100, 1]; elsewhere the first step would snap it. */
  constructor(initialTemperature: number) {
    super();
    if (!(initialTemperature >= 1 / LearnedTemperature.MAX_SCALE && initialTemperature <= 1)) {
      throw new UserError(
        `a learned temperature starts in [0.01, 1] (the range CLIP's clamp keeps it in); got ${initialTemperature}`,
      );
    }
    const clamp = (s: tf.Tensor) => tf.clipByValue(s, 0, Math.log(LearnedTemperature.MAX_SCALE));
    this.logScale = this.addParam('logScale', tf.scalar(Math.log(1 / initialTemperature)), { constraint: clamp });
  }

  /** τ = e^(−s), differentiable in s everywhere. */
  temperature(): tf.Scalar {
    return tf.tidy(() => tf.exp(tf.neg(this.logScale)) as tf.Scalar);
  }
}
