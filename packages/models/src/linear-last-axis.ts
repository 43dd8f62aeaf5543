import * as tf from '@tensorflow/tfjs';
import type { Linear } from '@kd/core';

/** A Linear over the last axis of a tensor of any rank ≥ 2 ([..., in] → [..., out]). */
export function linearLastAxis(layer: Linear, x: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, shape[shape.length - 1]!]);
  return tf.reshape(layer.apply(flat), [...shape.slice(0, -1), layer.outFeatures]);
}
