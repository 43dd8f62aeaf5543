import type * as tf from '@tensorflow/tfjs';

/**
 * One mini-batch: named tensors. Classification sets `x` (NHWC float) and `y` (int32 labels);
 * `index` holds dataset indices (for methods keyed by sample, e.g. cached captions or teacher outputs).
 * Vision-language datasets add their own keys (tokens, boxes, masks, …).
 */
export interface Batch {
  readonly x: tf.Tensor;
  readonly y?: tf.Tensor;
  readonly index?: tf.Tensor1D;
  readonly [key: string]: tf.Tensor | undefined;
}
