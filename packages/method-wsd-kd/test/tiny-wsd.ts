/** A tiny WSD-KD setting for the tests: a WSDDN teacher and a roi-classifier student on two 16×16 images with scored proposals and boxes. */
import * as tf from '@tensorflow/tfjs';
import type { Batch, DataInfo, TappedModel } from '@kd/core';
import { architectures } from '@kd/models';

export const SIZE = 16;
export const K = 3;
export const R = 3;

export const data: DataInfo = {
  name: 'tiny-scenes',
  inputShape: [SIZE, SIZE, 1],
  numClasses: K,
  classNames: ['a', 'b', 'c'],
};

const build = (id: string, options: Record<string, unknown>, seed: number): TappedModel =>
  architectures.find((a) => a.id === id)!.build({ inputShape: data.inputShape, numClasses: K, seed, options });

/** WSDDN at 2× with a 3-stage backbone; fc7 width 6. */
export const teacher = (seed = 3): TappedModel =>
  build('wsddn', { widths: [2, 3, 4], regions: R, pool: 2, hidden: 6 }, seed);

/** The student at 1× with a narrower backbone and the same fc7 width. */
export const student = (seed = 4, options: Record<string, unknown> = {}): TappedModel =>
  build('roi-classifier', { widths: [2, 2, 2], regions: R, pool: 2, hidden: 6, ...options }, seed);

/** Image 0: three real proposals around its two objects (classes 0, 2); image 1: one real proposal on its object (class 1), two padded. */
export function batch(): Batch {
  return {
    x: tf.randomUniform([2, SIZE, SIZE, 1], 0, 1, 'float32', 9),
    y: tf.tensor2d([
      [1, 0, 1],
      [0, 1, 0],
    ]),
    proposals: tf.tensor3d([
      [
        [0, 0, 8, 8],
        [8, 8, 16, 16],
        [0, 0, 16, 16],
      ],
      [
        [2, 2, 10, 10],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
    ]),
    proposalScores: tf.tensor2d([
      [0.9, 0.7, 0.3],
      [0.6, 0, 0],
    ]),
    proposalMask: tf.tensor2d([
      [1, 1, 1],
      [1, 0, 0],
    ]),
    boxes: tf.tensor3d([
      [
        [0, 0, 8, 8],
        [8, 8, 16, 16],
      ],
      [
        [2, 2, 10, 10],
        [0, 0, 0, 0],
      ],
    ]),
    boxClasses: tf.tensor2d(
      [
        [0, 2],
        [1, -1],
      ],
      undefined,
      'int32',
    ),
    boxCount: tf.tensor1d([2, 1], 'int32'),
  };
}
