/** A tiny batch for the WSD-KD architectures' tests: two 16×16 images, 4 scored proposal slots each, boxes and labels. */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '@kd/core';

export const WSD_SIZE = 16;
export const WSD_CLASSES = 3;

/** Image 0: four real proposals; image 1: one real, three padded (zero boxes, score 0). Scores may be negative (objectness). */
export function wsdBatch(seed = 3): Batch {
  return {
    x: tf.randomUniform([2, WSD_SIZE, WSD_SIZE, 1], 0, 1, 'float32', seed),
    y: tf.tensor2d([
      [1, 0, 1],
      [0, 1, 0],
    ]),
    proposals: tf.tensor3d([
      [
        [0, 0, 8, 8],
        [4, 4, 16, 12],
        [2, 2, 6, 14],
        [0, 0, 16, 16],
      ],
      [
        [1, 1, 9, 9],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
    ]),
    proposalScores: tf.tensor2d([
      [0.8, 0.4, -0.2, 0.1],
      [0.5, 0, 0, 0],
    ]),
    proposalMask: tf.tensor2d([
      [1, 1, 1, 1],
      [1, 0, 0, 0],
    ]),
    boxes: tf.tensor3d([
      [
        [0, 0, 8, 8],
        [2, 2, 6, 14],
      ],
      [
        [1, 1, 9, 9],
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
