import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { infoNce, type DataInfo } from '@kd/core';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import type { ClipDualEncoder } from './clip-dual-encoder.js';

const K = 3;
const P = 2;
const T = 6;
// prompts "[CLS] a <class> [SEP]" and "[CLS] this <class> [SEP]" with class words 10, 11, 12
const ids = new Int32Array(K * P * T);
const mask = new Float32Array(K * P * T);
for (let k = 0; k < K; k++) {
  for (let p = 0; p < P; p++) {
    ids.set([2, 5 + p, 10 + k, 3], (k * P + p) * T);
    mask.set([1, 1, 1, 1], (k * P + p) * T);
  }
}
const data: DataInfo = {
  name: 'toy-captioned',
  inputShape: [12, 12, 1],
  numClasses: K,
  classNames: ['a', 'b', 'c'],
  text: { vocabSize: 20, length: T, classPrompts: { prompts: P, ids, mask } },
};
const clip = architectures.find((a) => a.id === 'clip')!;
const build = () =>
  clip.build({
    inputShape: [12, 12, 1],
    numClasses: K,
    seed: 1,
    data,
    options: {
      image: { arch: 'cnn', options: { width: 2 } },
      embedDim: 8,
      text: { dModel: 8, layers: 1, heads: 2, ffn: 16 },
    },
  }) as ClipDualEncoder;

function batch() {
  return {
    x: tf.randomNormal([4, 12, 12, 1], 0, 1, 'float32', 7),
    tokens: tf.tensor2d(
      [
        [2, 9, 10, 3, 0, 0],
        [2, 8, 11, 3, 0, 0],
        [2, 9, 12, 3, 0, 0],
        [2, 7, 7, 10, 3, 0],
      ],
      [4, T],
      'int32',
    ),
    tokenMask: tf.tensor2d(
      [
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 0],
      ],
      [4, T],
    ),
  };
}

describe('CLIP-like dual encoder', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });

  it('embeds images and texts into one normalised space; zero-shot logits are 100 × cosine to prompt ensembles', () => {
    const m = build();
    tf.tidy(() => {
      const out = m.forward(batch(), { training: false });
      expect(out['imageEmbedding']!.shape).toEqual([4, 8]);
      expect(out['textEmbedding']!.shape).toEqual([4, 8]);
      for (const key of ['imageEmbedding', 'textEmbedding']) {
        for (const n of tf.norm(out[key]!, 'euclidean', 1).dataSync()) expect(n).toBeCloseTo(1, 5);
      }
      const classes = m.classEmbeddings();
      expect(classes.shape).toEqual([K, 8]);
      const expected = tf.mul(tf.matMul(out['imageEmbedding']!, tf.transpose(classes)), 100);
      expect(tf.max(tf.abs(tf.sub(out['logits']!, expected))).dataSync()[0]).toBeLessThan(1e-4);
    });
    m.dispose();
  });

  it('InfoNCE on image–caption pairs trains both towers (and nothing is left without a gradient)', () => {
    const m = build();
    const vars = [...m.namedParameters().values()];
    tf.tidy(() => {
      const b = batch();
      const { grads } = tf.variableGrads(() => {
        const out = m.forward(b, { training: true, taps: new Set(['imageEmbedding', 'textEmbedding']) });
        return infoNce(out['imageEmbedding']!, out['textEmbedding']!, 0.07);
      }, vars);
      expect([...m.namedParameters().keys()].some((k) => k.startsWith('image.fc.'))).toBe(false); // frozen head
      for (const [name, v] of m.namedParameters()) {
        expect(
          grads[v.name]!.dataSync().some((g) => g !== 0),
          name,
        ).toBe(true);
      }
    });
    m.dispose();
  });

  it('needs an image–text dataset and tokens in the batch', () => {
    expect(() => clip.build({ inputShape: [12, 12, 1], numClasses: K, seed: 1, options: {} })).toThrow(
      /clip needs an image–text dataset/,
    );
    const m = build();
    expect(() =>
      m.forward({ x: tf.zeros([1, 12, 12, 1]) }, { training: false, taps: new Set(['textEmbedding']) }),
    ).toThrow(/the batch has no 'tokens'/);
    m.dispose();
  });
});
