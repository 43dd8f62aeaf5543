import * as tf from '@tensorflow/tfjs';
import { deriveSeed, type ForwardOptions } from '@kd/core';

/**
 * Dropout as the caller supplies it: the identity outside training; in training an inverted-dropout
 * mask (PyTorch's: kept values × 1 / (1 − rate)) drawn from the step's seed, so a resumed run draws
 * the same masks. The heads only say where and at which rate.
 */
export type Dropout = (x: tf.Tensor, rate: number) => tf.Tensor;

/** No dropout (evaluation, and the modules' golden tests). */
export const noDropout: Dropout = (x) => x;

/**
 * Dropout for one forward pass: in training with a step seed (`ForwardOptions.seed`), the i-th call
 * draws its mask from deriveSeed(seed, 'dropout', i); otherwise none.
 */
export function dropoutFor(options: ForwardOptions): Dropout {
  if (!options.training || options.seed === undefined) return noDropout;
  const seed = options.seed;
  let calls = 0;
  return (x, rate) => {
    if (rate <= 0) return x;
    const callSeed = deriveSeed(seed, 'dropout', calls++);
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', callSeed), rate), 'float32');
      return tf.mul(x, tf.mul(keep, 1 / (1 - rate)));
    });
  };
}
