/** A tiny batch for the WSD-KD architectures' tests: two 16×16 images, 4 scored proposal slots each, boxes and labels. */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '@kd/core';
import { paddedProposalBatch } from './vild-detector-fixture.js';

export const WSD_SIZE = 16;
export const WSD_CLASSES = 3;

/** Image 0: four real proposals; image 1: one real, three padded (zero boxes, score 0). Scores may be negative (objectness). */
export function wsdBatch(seed = 3): Batch {
  const { x, proposals, proposalMask } = paddedProposalBatch(seed);
  return {
    x,
    y: tf.tensor2d([
      [1, 0, 1],
      [0, 1, 0],
    ]),
    proposals,
    proposalScores: tf.tensor2d([
      [0.8, 0.4, -0.2, 0.1],
      [0.5, 0, 0, 0],
    ]),
    proposalMask,
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
