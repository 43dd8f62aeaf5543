import * as tf from '@tensorflow/tfjs';
import type { DataInfo } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import type { ClipDualEncoder } from './clip-dual-encoder.js';

const T = 5;
const data: DataInfo = {
  name: 'toy-captioned',
  inputShape: [8, 8, 1],
  numClasses: 2,
  classNames: ['a', 'b'],
  text: {
    vocabSize: 12,
    length: T,
    classPrompts: {
      prompts: 1,
      ids: Int32Array.of(2, 6, 3, 0, 0, 2, 7, 3, 0, 0),
      mask: Float32Array.of(1, 1, 1, 0, 0, 1, 1, 1, 0, 0),
    },
  },
};
const build = () =>
  architectures
    .find((a) => a.id === 'clip')!
    .build({
      inputShape: [8, 8, 1],
      numClasses: 2,
      seed: 3,
      data,
      options: { image: { arch: 'cnn', options: { width: 2 } }, embedDim: 6, text: { kind: 'bag', dModel: 6 } },
    }) as ClipDualEncoder;

describe('ClipDualEncoder.encodeText (text tower alone)', () => {
  it("equals the forward pass's textEmbedding tap, is normalised, and never runs the image tower", () => {
    const m = build();
    const tokens = tf.tensor2d(
      [
        [2, 8, 9, 3, 0],
        [2, 10, 3, 0, 0],
        [2, 11, 11, 11, 3],
      ],
      [3, T],
      'int32',
    );
    const tokenMask = tf.tensor2d(
      [
        [1, 1, 1, 1, 0],
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1],
      ],
      [3, T],
    );
    const viaForward = m.forward(
      { x: tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 1), tokens, tokenMask },
      { training: false, taps: new Set(['textEmbedding']) },
    )['textEmbedding']!;
    const imageForward = m.image.forward.bind(m.image);
    let imageCalls = 0;
    m.image.forward = (...args) => {
      imageCalls++;
      return imageForward(...args);
    };
    const direct = m.encodeText(tokens, tokenMask);
    expect(imageCalls).toBe(0);
    expect(direct.shape).toEqual([3, 6]);
    expect(tf.max(tf.abs(tf.sub(direct, viaForward))).dataSync()[0]).toBeLessThan(1e-6);
    for (const n of tf.norm(direct, 'euclidean', 1).dataSync()) expect(n).toBeCloseTo(1, 5);
    // the default mask is all ones: the same as passing it
    const ones = tf.onesLike(tokens);
    expect(tf.max(tf.abs(tf.sub(m.encodeText(tokens), m.encodeText(tokens, ones)))).dataSync()[0]).toBe(0);
    // padding differs from a real token: the mask matters
    expect(tf.max(tf.abs(tf.sub(m.encodeText(tokens), direct))).dataSync()[0]).toBeGreaterThan(1e-4);
  });

  it('leaves no tensors behind', () => {
    const m = build();
    const tokens = tf.tensor2d([[2, 8, 3, 0, 0]], [1, T], 'int32');
    m.encodeText(tokens).dispose();
    const before = tf.memory().numTensors;
    m.encodeText(tokens).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
