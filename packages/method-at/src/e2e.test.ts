/**
 * A tiny end-to-end training run: a frozen small-CNN teacher and a narrower small-CNN student on
 * 8x8 inputs, a few SGD steps on CE + at, as the trainer composes them. The at term falls and
 * the tensor count stays flat.
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@kd/core';
import { cnn } from '@kd/models';
import { describe, expect, it } from 'vitest';
import { AtMethod, atHParams } from './at.js';
import { participant, setupContext, stepContext } from '@kd/testing';

describe('at end to end (tiny)', () => {
  it("trains a student whose attention maps approach the teacher's", () => {
    const teacherModel = cnn.build({ inputShape: [8, 8, 1], numClasses: 5, seed: 0, options: { width: 6 } });
    const studentModel = cnn.build({ inputShape: [8, 8, 1], numClasses: 5, seed: 1, options: { width: 2 } });
    const method = new AtMethod();
    method.setup(
      setupContext(
        'at',
        atHParams.parse({}),
        participant('teacher', 'teacher', teacherModel),
        participant('student', 'student', studentModel),
      ),
    );
    const x = tf.randomNormal([8, 8, 8, 1], 0, 1, 'float32', 5);
    const y = tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], 'int32');
    const batch = { x, y };
    const optimizer = tf.train.sgd(0.05);
    const vars = studentModel.trainableVariables();
    const history: number[] = [];
    let count = 0;
    for (let step = 0; step < 12; step++) {
      if (step === 2) count = tf.memory().numTensors;
      tf.tidy(() => {
        const tOut = teacherModel.forward(batch, { training: false });
        const { value, grads } = tf.variableGrads(() => {
          const sOut = studentModel.forward(batch, { training: true });
          const at = method.losses(stepContext(sOut, tOut, ['at'], batch))['at']!;
          history.push(at.dataSync()[0]!);
          return tf.add(crossEntropy(sOut['logits']!, y), at) as tf.Scalar;
        }, vars);
        expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
        optimizer.applyGradients(grads);
      });
      if (step > 2) expect(tf.memory().numTensors).toBe(count);
    }
    expect(history[history.length - 1]!).toBeLessThan(0.8 * history[0]!);
    teacherModel.dispose();
    studentModel.dispose();
  });
});
