import * as tf from '@tensorflow/tfjs';
import { maskMse, roleBoxRaster } from '@kd/models';
import { participant, setupContext, stepContext } from '@kd/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { RvlBertMethod, rvlBertHParams } from './rvl-bert.js';
import type { TappedModel } from '@kd/core';

const K = 4;
const masks = tf.randomUniform([2, 2, 2, K, K], 0, 1, 'float32', 3);
// image, subject, union, object (/ image size) for 2 images × 2 pairs
const boxes = tf.tensor4d(
  [
    [0, 0, 1, 1, 0.1, 0.1, 0.5, 0.6, 0.05, 0.05, 0.9, 0.7, 0.4, 0.2, 0.9, 0.7],
    [0, 0, 1, 1, 0.0, 0.5, 0.5, 1.0, 0.0, 0.25, 1.0, 1.0, 0.5, 0.25, 1.0, 0.75],
    [0, 0, 1, 1, 0.2, 0.2, 0.4, 0.4, 0.1, 0.1, 0.8, 0.8, 0.5, 0.5, 0.8, 0.8],
    [0, 0, 1, 1, 0.6, 0.1, 0.9, 0.3, 0.0, 0.0, 1.0, 0.6, 0.0, 0.2, 0.4, 0.6],
  ].flat(),
  [2, 2, 4, 4],
);
const model = {
  arch: 'rvl-bert',
  tapSpecs: () => ({ roleMasks: { shape: [-1, 2, K, K] }, pairBoxes: { shape: [-1, 4, 4] } }),
} as unknown as TappedModel;

function term(hparams: object, pairMask: number[]) {
  const method = new RvlBertMethod();
  method.setup(
    setupContext('rvl-bert', rvlBertHParams.parse(hparams), undefined, participant('student', 'student', model), 1),
  );
  const step = stepContext({ roleMasks: masks, pairBoxes: boxes }, undefined, ['mask'], {
    x: tf.zeros([2, 1]),
    pairMask: tf.tensor2d(pairMask, [2, 2]),
  });
  return method.losses(step)['mask']!.dataSync()[0]!;
}

describe("rvl-bert's mask term", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('every pair real: the MSE of all masks against the subject and object boxes (image raster), as maskMse', () => {
    const targets = roleBoxRaster(tf.gather(tf.reshape(boxes, [4, 4, 4]), [1, 3], 1) as tf.Tensor3D, K);
    const expected = maskMse(tf.reshape(masks, [4, 2, K, K]) as tf.Tensor4D, targets).dataSync()[0]!;
    expect(term({}, [1, 1, 1, 1])).toBeCloseTo(expected, 6);
  });

  it("the official code's switches: the object mask on the union box; the transposed raster", () => {
    const union = roleBoxRaster(tf.gather(tf.reshape(boxes, [4, 4, 4]), [1, 2], 1) as tf.Tensor3D, K);
    expect(term({ maskBoxes: 'subject-union' }, [1, 1, 1, 1])).toBeCloseTo(
      maskMse(tf.reshape(masks, [4, 2, K, K]) as tf.Tensor4D, union).dataSync()[0]!,
      6,
    );
    const transposed = roleBoxRaster(
      tf.gather(tf.reshape(boxes, [4, 4, 4]), [1, 3], 1) as tf.Tensor3D,
      K,
      'transposed',
    );
    expect(term({ raster: 'transposed' }, [1, 1, 1, 1])).toBeCloseTo(
      maskMse(tf.reshape(masks, [4, 2, K, K]) as tf.Tensor4D, transposed).dataSync()[0]!,
      6,
    );
  });

  it('padding pairs carry no loss: the mean over the real pairs only', () => {
    const targets = roleBoxRaster(tf.gather(tf.reshape(boxes, [4, 4, 4]), [1, 3], 1) as tf.Tensor3D, K);
    const perPair = tf
      .mean(tf.reshape(tf.squaredDifference(tf.reshape(masks, [4, 2, K, K]), targets), [4, -1]), 1)
      .dataSync();
    expect(term({}, [1, 0, 0, 1])).toBeCloseTo((perPair[0]! + perPair[3]!) / 2, 6);
  });

  it('refuses a student without role masks, naming the option', () => {
    const plain = {
      arch: 'rvl-bert',
      tapSpecs: () => ({ relationLogits: { shape: [-1, 7] } }),
    } as unknown as TappedModel;
    expect(() =>
      new RvlBertMethod().setup(
        setupContext('rvl-bert', rvlBertHParams.parse({}), undefined, participant('student', 'student', plain), 1),
      ),
    ).toThrow(/options\.maskAttention: true/);
  });
});
