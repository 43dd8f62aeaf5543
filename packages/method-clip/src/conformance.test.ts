import * as tf from '@tensorflow/tfjs';
import { describeMethodConformance, SpecModel, tinyDistillationRun } from '@kd/testing';
import { clipDescriptor, register } from './index.js';

// No teacher; the student is a dual encoder whose embeddings this test draws (seeded), and the learned
// temperature is the trainable part.
const embedding = { shape: [4], kind: 'embedding' } as const;

describeMethodConformance({
  descriptor: clipDescriptor,
  register,
  run: () => ({
    ...tinyDistillationRun(clipDescriptor, {
      hparams: { learnTemperature: true },
      teacher: null,
      student: new SpecModel({ imageEmbedding: embedding, textEmbedding: embedding }),
    }),
    forward: () => ({
      imageEmbedding: tf.randomNormal([6, 4], 0, 1, 'float32', 1),
      textEmbedding: tf.randomNormal([6, 4], 0, 1, 'float32', 2),
    }),
  }),
});
