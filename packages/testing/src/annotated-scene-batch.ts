import * as tf from '@tensorflow/tfjs';
import type { Batch } from '@kd/core';

/** One image of `annotatedSceneBatch`: its labels, real proposals with scores, and annotated objects. */
export interface AnnotatedImage {
  /** Multi-hot labels [K]. */
  readonly labels: readonly number[];
  /** Real proposals [x1, y1, x2, y2] in pixels, best first (the batch pads them to `slots`). */
  readonly proposals: readonly (readonly number[])[];
  /** Their scores, one per proposal. */
  readonly scores: readonly number[];
  /** Annotated objects: box and class. */
  readonly objects: readonly { readonly box: readonly number[]; readonly classId: number }[];
}

/**
 * A batch shaped like the `scenes` dataset's (its keys and padding rules) from a few hand-written
 * images: `x` [B, size, size, 1] uniform in [0, 1) (seeded), `y` multi-hot, `proposals` [B, slots, 4]
 * with `proposalScores` and `proposalMask` (zero boxes, score 0, mask 0 for padding), `boxes`
 * [B, M, 4] / `boxClasses` (−1 padding) / `boxCount` for the annotated objects (M = the most objects
 * in an image). For tests of models and methods that read proposals and boxes without generating scenes.
 */
export function annotatedSceneBatch(images: readonly AnnotatedImage[], size: number, slots: number, seed = 3): Batch {
  const m = Math.max(1, ...images.map((i) => i.objects.length));
  const pad = <T>(rows: readonly T[], n: number, fill: T) => [...rows, ...new Array<T>(n - rows.length).fill(fill)];
  for (const [i, image] of images.entries()) {
    if (image.proposals.length > slots || image.scores.length !== image.proposals.length)
      throw new Error(
        `annotatedSceneBatch: image ${i} has ${image.proposals.length} proposals, ${image.scores.length} scores, ${slots} slots`,
      );
  }
  return {
    x: tf.randomUniform([images.length, size, size, 1], 0, 1, 'float32', seed),
    y: tf.tensor2d(images.map((i) => [...i.labels])),
    proposals: tf.tensor3d(
      images.map((i) =>
        pad(
          i.proposals.map((p) => [...p]),
          slots,
          [0, 0, 0, 0],
        ),
      ),
    ),
    proposalScores: tf.tensor2d(images.map((i) => pad([...i.scores], slots, 0))),
    proposalMask: tf.tensor2d(
      images.map((i) =>
        pad(
          i.proposals.map(() => 1),
          slots,
          0,
        ),
      ),
    ),
    boxes: tf.tensor3d(
      images.map((i) =>
        pad(
          i.objects.map((o) => [...o.box]),
          m,
          [0, 0, 0, 0],
        ),
      ),
    ),
    boxClasses: tf.tensor2d(
      images.map((i) =>
        pad(
          i.objects.map((o) => o.classId),
          m,
          -1,
        ),
      ),
      undefined,
      'int32',
    ),
    boxCount: tf.tensor1d(
      images.map((i) => i.objects.length),
      'int32',
    ),
  };
}
