/** A tiny ViLD setting for the tests: a region detector with the text classifier and distillation proposals, and a crop teacher. */
import * as tf from '@tensorflow/tfjs';
import type { Batch, DataInfo, TappedModel } from '@kd/core';
import { architectures } from '@kd/models';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Image size, classes, proposals per image (M) and embedding size (D: the crop teacher's cnn width 2 gives 8). */
export const SIZE = 16;
export const CLASSES = ['a', 'b', 'c'];
export const M = 3;
export const D = 8;

export const data: DataInfo = {
  name: 'tiny-scenes',
  inputShape: [SIZE, SIZE, 1],
  numClasses: CLASSES.length,
  classNames: CLASSES,
};

const dir = mkdtempSync(join(tmpdir(), 'kd-method-vild-'));
writeFileSync(
  join(dir, 'emb.json'),
  JSON.stringify({
    classes: CLASSES,
    dim: D,
    embeddings: CLASSES.map((_, k) => Array.from({ length: D }, (_, d) => Math.cos(k + 2 * d))),
    source: {},
  }),
);

function build(id: string, options: Record<string, unknown>, seed: number): TappedModel {
  return architectures
    .find((a) => a.id === id)!
    .build({ inputShape: data.inputShape, numClasses: data.numClasses, seed, data, baseDir: dir, options });
}

/** region-detector with ViLD-text's classifier and ViLD-image's distillation proposals (the batch's `proposals`, first M). */
export function detector(
  seed = 2,
  distill: Record<string, unknown> | false = { proposals: '', count: M },
): TappedModel {
  return build(
    'region-detector',
    {
      width: 2,
      regions: 2,
      pool: 2,
      hidden: 8,
      classifier: { embeddings: 'emb.json' },
      ...(distill ? { distill } : {}),
    },
    seed,
  );
}

/** crop-teacher over a small cnn: embeddings of the first M proposals' 1× and 1.5× crops, averaged. */
export function cropTeacher(seed = 1, regions = M): TappedModel {
  return build('crop-teacher', { image: { arch: 'cnn', options: { width: 2 } }, regions, cropSize: [8, 8] }, seed);
}

/** Four images with M + 1 proposals each, some padded. */
export function batch(): Batch {
  const boxes = [
    [1, 1, 9, 9],
    [4, 2, 15, 12],
    [0, 0, 16, 16],
    [2, 6, 8, 14],
  ];
  return {
    x: tf.randomUniform([4, SIZE, SIZE, 1], 0, 1, 'float32', 5),
    y: tf.tensor2d([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0], [4, 3]),
    proposals: tf.tensor3d(
      [0, 1, 2, 3].flatMap((i) => boxes.flatMap((b) => b.map((v) => Math.min(SIZE, v + i)))),
      [4, 4, 4],
    ),
    proposalMask: tf.tensor2d([1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0], [4, 4]),
  };
}
