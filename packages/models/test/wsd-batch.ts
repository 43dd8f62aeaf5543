/** A tiny batch for the WSD-KD architectures' tests: two 16×16 images, 4 scored proposal slots each, boxes and labels. */
import type { Batch } from '@kd/core';
import { annotatedSceneBatch } from '@kd/testing';

export const WSD_SIZE = 16;
export const WSD_CLASSES = 3;

/** Image 0: four real proposals (one with a negative score, as objectness can be); image 1: one real, three padded. */
export function wsdBatch(seed = 3): Batch {
  return annotatedSceneBatch(
    [
      {
        labels: [1, 0, 1],
        proposals: [
          [0, 0, 8, 8],
          [4, 4, 16, 12],
          [2, 2, 6, 14],
          [0, 0, 16, 16],
        ],
        scores: [0.8, 0.4, -0.2, 0.1],
        objects: [
          { box: [0, 0, 8, 8], classId: 0 },
          { box: [2, 2, 6, 14], classId: 2 },
        ],
      },
      { labels: [0, 1, 0], proposals: [[1, 1, 9, 9]], scores: [0.5], objects: [{ box: [1, 1, 9, 9], classId: 1 }] },
    ],
    WSD_SIZE,
    4,
    seed,
  );
}
