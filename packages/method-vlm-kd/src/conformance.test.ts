import * as tf from '@tensorflow/tfjs';
import type { DataInfo } from '@kd/core';
import { architectures } from '@kd/models';
import { describeMethodConformance, participant, setupContext } from '@kd/testing';
import { register, vlmKdDescriptor, type VlmKdMethod } from './index.js';

// Toy captioned data (3 classes, captions of 6 ids out of 16, class prompts: the one word 10 + k), a
// frozen CLIP-like text encoder 'text', a frozen CNN vision teacher and a CNN student. No train split:
// the class counts are set in `prepare`.
const first = (i: number) => i % 6 === 0;
const classPrompts = {
  prompts: 1,
  ids: Int32Array.from({ length: 18 }, (_, i) => (first(i) ? 10 + i / 6 : 0)),
  mask: Float32Array.from({ length: 18 }, (_, i) => (first(i) ? 1 : 0)),
};
const data: DataInfo = {
  name: 'toy-captioned',
  inputShape: [8, 8, 1],
  numClasses: 3,
  classNames: ['a', 'b', 'c'],
  text: { vocabSize: 16, length: 6, classPrompts },
};
const build = (id: string, options: Record<string, unknown>, seed: number) =>
  architectures.find((a) => a.id === id)!.build({ inputShape: data.inputShape, numClasses: 3, seed, data, options });

describeMethodConformance({
  descriptor: vlmKdDescriptor,
  register,
  run: () => {
    const clip = build(
      'clip',
      { image: { arch: 'cnn', options: { width: 2 } }, embedDim: 6, text: { kind: 'bag', dModel: 6 } },
      1,
    );
    const hparams = vlmKdDescriptor.hparams.parse({
      vocabularyGuard: 0,
      learnTemperature: true,
      projectionDim: 8,
      adaptorHidden: 16,
    });
    const teacher = participant('teacher', 'teacher', build('cnn', { width: 4 }, 5));
    const student = participant('student', 'student', build('cnn', { width: 2 }, 9));
    const tokens = tf.tensor2d(
      [
        [2, 7, 10, 3, 0, 0],
        [2, 8, 11, 3, 0, 0],
        [2, 7, 10, 3, 0, 0],
        [2, 9, 12, 12, 3, 0],
      ],
      [4, 6],
      'int32',
    );
    return {
      context: setupContext('vlm-kd', hparams, teacher, student, 7, undefined, {
        participants: [participant('text', 'teacher', clip)],
        data,
      }),
      batch: {
        x: tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3),
        y: tf.tensor1d([0, 1, 0, 2], 'int32'),
        tokens,
        tokenMask: tf.cast(tf.notEqual(tokens, 0), 'float32'),
      },
      prepare: (method) => (method as VlmKdMethod).setClassCounts([5, 3, 1]),
    };
  },
});
