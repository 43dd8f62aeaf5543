import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryCrossEntropyWithLogits } from './binary-cross-entropy.js';
import { crossEntropy } from './losses.js';

const g = JSON.parse(readFileSync(new URL('../../test/fixtures/task-loss.json', import.meta.url), 'utf8')) as {
  shape: [number, number];
  logits: number[];
  labels: number[];
  multiHot: number[];
  ce: number;
  gradCe: number[];
  bce: number;
  gradBce: number[];
};

const maxAbs = (a: ArrayLike<number>, e: readonly number[]) => Math.max(...e.map((v, i) => Math.abs(a[i]! - v)));

describe('the task losses match PyTorch (tools/golden/task_loss.py): CE for class labels, BCE with logits for multi-hot', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('class labels [B]: softmax cross-entropy, and its gradient', () => {
    const z = tf.tensor2d(g.logits, g.shape);
    const y = tf.tensor1d(g.labels, 'int32');
    expect(Math.abs(crossEntropy(z, y).dataSync()[0]! - g.ce) / g.ce).toBeLessThan(1e-5);
    expect(
      maxAbs(
        tf
          .grad((x: tf.Tensor) => crossEntropy(x, y))(z)
          .dataSync(),
        g.gradCe,
      ),
    ).toBeLessThan(1e-6);
  });

  it('multi-hot labels [B, K]: mean binary cross-entropy with logits (stable for large |z|), and its gradient', () => {
    const z = tf.tensor2d(g.logits, g.shape);
    const y = tf.tensor2d(g.multiHot, g.shape);
    expect(Math.abs(binaryCrossEntropyWithLogits(z, y).dataSync()[0]! - g.bce) / g.bce).toBeLessThan(1e-5);
    expect(
      maxAbs(
        tf
          .grad((x: tf.Tensor) => binaryCrossEntropyWithLogits(x, y))(z)
          .dataSync(),
        g.gradBce,
      ),
    ).toBeLessThan(1e-6);
    expect(
      Number.isFinite(binaryCrossEntropyWithLogits(tf.tensor2d([[200, -200]]), tf.tensor2d([[0, 1]])).dataSync()[0]),
    ).toBe(true);
  });
});
