import * as tf from '@tensorflow/tfjs';
import { TappedModel, type Batch, type TapSpecs, type TapValues } from '@kd/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { captionWords, greedyCaptions } from './greedy-captions.js';

const IDS = { cls: 2, sep: 3, pad: 0 };
const V = 9;
const T = 6;

/**
 * A hand-made causal decoder: image i (batch.index) maps the token at each position to the next one by
 * its own table (missing: token 5). It records what every forward saw.
 */
class BigramModel extends TappedModel {
  readonly arch = 'bigram';
  readonly seen: { tokens: number[][]; mask: number[][] }[] = [];
  constructor(private readonly next: readonly Readonly<Record<number, number>>[]) {
    super();
  }
  tapSpecs(): TapSpecs {
    return { mlmLogits: { shape: [T, V], kind: 'other' } };
  }
  forward(batch: Batch): TapValues {
    const tokens = batch['tokens']!.arraySync() as number[][];
    this.seen.push({ tokens, mask: batch['tokenMask']!.arraySync() as number[][] });
    const index = Array.from(batch['index']!.dataSync());
    const logits = tokens.map((row, b) =>
      row.map((tok) => Array.from({ length: V }, (_, v) => (v === (this.next[index[b]!]![tok] ?? 5) ? 10 : 0))),
    );
    return { mlmLogits: tf.tensor3d(logits) };
  }
}

const batchOf = (images: number[]): Batch => ({
  x: tf.zeros([images.length, 1]),
  index: tf.tensor1d(images, 'int32'),
  tokens: tf.zeros([images.length, T], 'int32'),
  tokenMask: tf.zeros([images.length, T]),
});

describe('greedy caption decoding', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const tables: Record<number, number>[] = [
    { 2: 5, 5: 6, 6: 3 }, // [CLS] 5 6 [SEP]
    { 2: 7, 7: 3 }, // [CLS] 7 [SEP]
    { 2: 5, 5: 5 }, // never ends: fills the length
  ];

  it('feeds each prediction back, stops a caption at [SEP], pads after it; a caption without [SEP] fills the length', () => {
    const model = new BigramModel(tables);
    const out = greedyCaptions(model, batchOf([0, 1, 2]), IDS);
    expect(Array.from(out)).toEqual([2, 5, 6, 3, 0, 0, 2, 7, 3, 0, 0, 0, 2, 5, 5, 5, 5, 5]);
    expect(model.seen.length).toBe(T - 1);
  });

  it('each step sees the prefix so far and masks everything after it; it stops once every caption has ended', () => {
    const model = new BigramModel(tables);
    greedyCaptions(model, batchOf([0, 1]), IDS);
    expect(model.seen.length).toBe(3); // [CLS] → 5 → 6 → [SEP] takes three steps
    model.seen.forEach((s, step) => {
      for (const [b, row] of s.mask.entries()) {
        row.forEach((m, pos) => {
          if (pos > step) {
            expect(m).toBe(0);
            expect(s.tokens[b]![pos]).toBe(IDS.pad);
          }
        });
      }
      expect(s.mask[0]!.slice(0, step + 1)).toEqual(Array(step + 1).fill(1));
    });
  });

  it('words of a caption: after [CLS], up to [SEP] or [PAD]; [UNK] stays a word', () => {
    const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', '3', 'left', 'of'];
    expect(captionWords([2, 5, 6, 7, 8, 3, 0], words, IDS)).toEqual(['a', '3', 'left', 'of']);
    expect(captionWords([2, 5, 1, 0, 5], words, IDS)).toEqual(['a', '[UNK]']);
    expect(captionWords([2, 3, 5], words, IDS)).toEqual([]);
  });

  it('leaks no tensors', () => {
    const model = new BigramModel(tables);
    const batch = batchOf([0, 1, 2]);
    greedyCaptions(model, batch, IDS);
    const before = tf.memory().numTensors;
    greedyCaptions(model, batch, IDS);
    expect(tf.memory().numTensors).toBe(before);
  });
});
