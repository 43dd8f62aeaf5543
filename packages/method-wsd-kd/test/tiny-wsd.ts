/** A tiny WSD-KD setting for the tests: a WSDDN teacher and a roi-classifier student on two 16×16 images with scored proposals and boxes. */
import type { Batch, DataInfo, TappedModel } from '@kd/core';
import { architectures } from '@kd/models';
import { annotatedSceneBatch } from '@kd/testing';

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

/** Image 0: three real proposals around its two objects (classes 0, 2) and the whole image; image 1: one real proposal on its object (class 1), two padded. */
export function batch(): Batch {
  return annotatedSceneBatch(
    [
      {
        labels: [1, 0, 1],
        proposals: [
          [0, 0, 8, 8],
          [8, 8, 16, 16],
          [0, 0, 16, 16],
        ],
        scores: [0.9, 0.7, 0.3],
        objects: [
          { box: [0, 0, 8, 8], classId: 0 },
          { box: [8, 8, 16, 16], classId: 2 },
        ],
      },
      { labels: [0, 1, 0], proposals: [[2, 2, 10, 10]], scores: [0.6], objects: [{ box: [2, 2, 10, 10], classId: 1 }] },
    ],
    SIZE,
    R,
    9,
  );
}
