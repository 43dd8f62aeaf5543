import type * as tf from '@tensorflow/tfjs';

/**
 * Dropout as the caller supplies it: the identity outside training; in training a mask drawn from
 * the step's seeded stream (so a resumed run draws the same masks). The heads only say where and at
 * which rate.
 */
export type Dropout = (x: tf.Tensor, rate: number) => tf.Tensor;

/** No dropout (evaluation, and the modules' golden tests). */
export const noDropout: Dropout = (x) => x;
