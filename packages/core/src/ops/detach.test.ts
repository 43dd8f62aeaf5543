import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { detach } from './detach.js';

describe('detach', () => {
  it('blocks the gradient but keeps the value', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.mul(v, v), tf.mul(detach(tf.mul(v, v)), v))))(x);
    // d/dv [v² + stop(v²)·v] = 2v + v²
    expect(Array.from(g.dataSync())).toEqual([3, 8, 15]);
    const d = detach(x);
    expect(Array.from(d.dataSync())).toEqual([1, 2, 3]);
  });

  it('is tracked by tidy (no leak)', () => {
    const x = tf.tensor1d([1, 2]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      detach(tf.mul(x, 2));
    });
    expect(tf.memory().numTensors).toBe(before);
    // the original data survives disposal of the alias
    const alias = detach(x);
    alias.dispose();
    expect(Array.from(x.dataSync())).toEqual([1, 2]);
  });
});
