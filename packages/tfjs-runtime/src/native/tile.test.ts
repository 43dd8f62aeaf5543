import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../select-backend.js';
import { meanGradient } from './mean.js';
import { sumGradient } from './sum.js';
import { tileBytes } from './tile.js';

describe('tileBytes (the copies of the native Tile)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  // every axis pattern: repeated inner axes, outer axes, none, a 1-element axis, 1- and 4-byte elements
  it.each([
    [
      [2, 3],
      [1, 1],
    ],
    [
      [2, 3],
      [3, 1],
    ],
    [
      [2, 3],
      [1, 4],
    ],
    [
      [2, 1, 1, 5],
      [1, 7, 7, 1],
    ],
    [
      [3, 2, 4],
      [2, 3, 2],
    ],
    [[1], [5]],
    // a last axis of 1 broadcast (a channel mean's gradient): the small-block word loop
    [
      [4, 3, 3, 1],
      [1, 1, 1, 16],
    ],
    // small blocks under a repeated outer axis; a block too large for the word loop
    [
      [2, 3, 2],
      [3, 1, 5],
    ],
    [
      [2, 300],
      [2, 2],
    ],
  ])('shape %j reps %j = tf.tile on the cpu backend', (shape, reps) => {
    // 1- and 4-byte elements; 4-byte ones also at an unaligned offset (the copies without the word loop)
    for (const [bytes, src] of [
      [1, 8],
      [4, 8],
      [4, 9],
    ] as const) {
      const n = shape.reduce((a, b) => a * b, 1);
      const heap = new Uint8Array(src + n * bytes * reps.reduce((a, b) => a * b, 1) + n * bytes + 8).fill(255);
      const dst = src + n * bytes;
      for (let i = 0; i < n * bytes; i++) heap[src + i] = (i * 7 + 3) % 251;
      tileBytes(heap, src, dst, shape, reps, bytes);
      // the same tile of the element indices, read back through the bytes
      const ids = tf.tidy(() => tf.tile(tf.range(0, n, 1, 'int32').reshape(shape), reps).dataSync());
      const want: number[] = [];
      for (const id of ids) for (let b = 0; b < bytes; b++) want.push(heap[src + id * bytes + b]!);
      expect(Array.from(heap.subarray(dst, dst + want.length))).toEqual(want);
      expect(heap[dst + want.length]).toBe(255); // nothing written past the output
    }
  });
});

describe('native Tile and the Mean gradient on the wasm backend', () => {
  beforeAll(async () => {
    await selectBackend({ backend: 'wasm' });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('tile / broadcastTo give the stock values for float32, int32 and bool', () => {
    const x = tf.randomNormal([3, 1, 2, 5], 0, 1, 'float32', 7);
    const got = tf.tile(x, [2, 4, 1, 3]);
    const want = tf.tidy(() => tf.tensor(tf.tile(tf.tensor(x.arraySync()), [2, 4, 1, 3]).arraySync()));
    expect(got.shape).toEqual([6, 4, 2, 15]);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    expect(tf.broadcastTo(tf.tensor1d([1, 2, 3], 'int32'), [2, 3]).arraySync()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(tf.tile(tf.tensor1d([true, false], 'bool'), [2]).arraySync()).toEqual([1, 0, 1, 0]);
    tf.dispose([x, got, want]);
  });

  it("Mean's gradient: tfjs's own values bit for bit (dy · ones / n)", () => {
    const x = tf.randomNormal([4, 7, 7, 6], 0, 1, 'float32', 3);
    const dy = tf.randomNormal([4, 6], 0, 1e-3, 'float32', 4);
    const ours = meanGradient.gradFunc(dy, [x], { axis: [1, 2], keepDims: false }) as { x: () => tf.Tensor };
    const got = tf.tidy(() => ours.x());
    const want = tf.tidy(() => tf.div(tf.mul(tf.reshape(dy, [4, 1, 1, 6]), tf.ones(x.shape)), 49));
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    // and through autodiff with the gradient registered
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, [1, 2]), dy)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([x, dy, got, want, g]);
  });

  it.each([
    ['[1, 2] of [4, 7, 7, 6]', [4, 7, 7, 6], [1, 2], [4, 6], [4, 1, 1, 6]],
    ['1 of [5, 300] (a row norm)', [5, 300], [1], [5], [5, 1]],
    ['every axis of [3, 4]', [3, 4], [0, 1], [], [1, 1]],
  ])("Sum's gradient over %s: tfjs's own values bit for bit (dy · ones)", (_, shape, axis, dyShape, expanded) => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 5);
    const dy = tf.randomNormal(dyShape, 0, 1e-3, 'float32', 6);
    const ours = sumGradient.gradFunc(dy, [x], { axis, keepDims: false }) as { x: () => tf.Tensor };
    const got = tf.tidy(() => ours.x());
    const want = tf.tidy(() => tf.mul(tf.reshape(dy, expanded), tf.ones(x.shape)));
    expect(got.shape).toEqual(shape);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, axis), dy)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([x, dy, got, want, g]);
  });
});
