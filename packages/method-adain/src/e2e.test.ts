/**
 * A tiny end-to-end training run: a frozen small-CNN teacher and a narrower small-CNN student on
 * 8x8 inputs, a few SGD steps on CE + stat + ain (student and connector trained, as the trainer's
 * distill stage does). Both terms fall, the teacher does not change, and the tensor count is flat.
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@kd/core';
import { cnn } from '@kd/models';
import { describe, expect, it } from 'vitest';
import { AdainMethod, adainHParams } from './adain.js';
import { participant, setupContext, stepContext } from '@kd/testing';

describe('adain end to end (tiny)', () => {
  for (const judge of ['kl', 'ce'] as const) {
    it(`trains student and connector on CE + stat + ain (judge ${judge})`, () => {
      const teacherModel = cnn.build({ inputShape: [8, 8, 1], numClasses: 5, seed: 0, options: { width: 6 } });
      const studentModel = cnn.build({ inputShape: [8, 8, 1], numClasses: 5, seed: 1, options: { width: 2 } });
      teacherModel.setFrozen(true);
      const method = new AdainMethod();
      method.setup(
        setupContext(
          'adain',
          adainHParams.parse({ judge }),
          participant('teacher', 'teacher', teacherModel),
          participant('student', 'student', studentModel),
        ),
      );
      const x = tf.randomNormal([8, 8, 8, 1], 0, 1, 'float32', 5);
      const y = tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], 'int32');
      const batch = { x, y };
      const optimizer = tf.train.sgd(0.05);
      const vars = [...studentModel.trainableVariables(), ...method.connectors.trainableVariables()];
      const teacherBefore = Array.from(teacherModel.namedVariables().get('conv3.weight')!.dataSync());
      const history: { stat: number; ain: number }[] = [];
      let count = 0;
      for (let step = 0; step < 15; step++) {
        if (step === 2) count = tf.memory().numTensors;
        tf.tidy(() => {
          const tOut = teacherModel.forward(batch, { training: false });
          const { grads } = tf.variableGrads(() => {
            const sOut = studentModel.forward(batch, { training: true });
            const out = method.losses(stepContext(sOut, tOut, ['stat', 'ain'], batch));
            history.push({ stat: out['stat']!.dataSync()[0]!, ain: out['ain']!.dataSync()[0]! });
            return tf.addN([crossEntropy(sOut['logits']!, y), out['stat']!, out['ain']!]) as tf.Scalar;
          }, vars);
          optimizer.applyGradients(grads);
        });
        if (step > 2) expect(tf.memory().numTensors).toBe(count);
      }
      const first = history[0]!;
      const last = history[history.length - 1]!;
      expect(Number.isFinite(last.ain) && Number.isFinite(last.stat)).toBe(true);
      expect(last.stat).toBeLessThan(0.8 * first.stat);
      expect(last.ain).toBeLessThan(first.ain);
      expect(Array.from(teacherModel.namedVariables().get('conv3.weight')!.dataSync())).toEqual(teacherBefore);
      teacherModel.dispose();
      studentModel.dispose();
      method.dispose();
    });
  }
});
