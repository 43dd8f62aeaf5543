import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dropoutFor } from './dropout.js';

describe('dropout from the step seed (inverted, as PyTorch)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('none outside training or without a seed', () => {
    const x = tf.ones([4, 8]);
    expect(dropoutFor({ training: false, seed: 3 })(x, 0.5)).toBe(x);
    expect(dropoutFor({ training: true })(x, 0.5)).toBe(x);
  });

  it('keeps a share ≈ 1 − rate, scaled by 1 / (1 − rate); the same seed draws the same masks, call by call', () => {
    const x = tf.ones([100, 100]);
    const a = dropoutFor({ training: true, seed: 7 });
    const first = a(x, 0.5).dataSync();
    const second = a(x, 0.5).dataSync();
    const kept = Array.from(first).filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([2]));
    expect(Math.abs(kept.length / first.length - 0.5)).toBeLessThan(0.03);
    // two calls of one pass draw different masks; a pass with the same seed repeats them
    expect(Array.from(first)).not.toEqual(Array.from(second));
    const b = dropoutFor({ training: true, seed: 7 });
    expect(Array.from(b(x, 0.5).dataSync())).toEqual(Array.from(first));
    expect(Array.from(b(x, 0.5).dataSync())).toEqual(Array.from(second));
    expect(Array.from(dropoutFor({ training: true, seed: 8 })(x, 0.5).dataSync())).not.toEqual(Array.from(first));
  });
});
