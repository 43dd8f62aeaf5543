import * as tf from '@tensorflow/tfjs';
import type { Batch, TappedModel } from '@kd/core';

/** The special ids greedy decoding needs (the `TEXT_WORDS` facet has them). */
export interface DecoderIds {
  readonly cls: number;
  readonly sep: number;
  readonly pad: number;
}

/**
 * Greedy captions of a causal text decoder for every image of `batch` (its `tokens` [B, T] give the
 * length T and are replaced): the text starts as [CLS] followed by padding (masked out); each step runs
 * the model once over the whole batch and appends the argmax of the `mlmLogits` at the last filled
 * position, until every caption has produced [SEP] (or [PAD]) or the T positions are full. Returns the
 * token ids [B·T] row-major ([CLS] first, then the generated ids, [PAD] after the end).
 */
export function greedyCaptions(model: TappedModel, batch: Batch, ids: DecoderIds): Int32Array {
  const given = batch['tokens'];
  if (!given || given.rank !== 2)
    throw new Error('greedyCaptions: the batch has no tokens [B, T] (they give the caption length)');
  const [b, t] = given.shape as [number, number];
  const out = new Int32Array(b * t).fill(ids.pad);
  const mask = new Float32Array(b * t);
  const ended = new Uint8Array(b);
  for (let i = 0; i < b; i++) {
    out[i * t] = ids.cls;
    mask[i * t] = 1;
  }
  for (let pos = 0; pos + 1 < t && ended.some((e) => e === 0); pos++) {
    const next = tf.tidy(() => {
      const taps = model.forward(
        { ...batch, tokens: tf.tensor2d(out, [b, t], 'int32'), tokenMask: tf.tensor2d(mask, [b, t], 'float32') },
        { training: false, taps: MLM },
      );
      const logits = taps['mlmLogits'];
      if (!logits) throw new Error(`greedyCaptions: model '${model.arch}' returned no mlmLogits`);
      const v = logits.shape[2]!;
      return tf.argMax(tf.reshape(tf.slice(logits, [0, pos, 0], [b, 1, v]), [b, v]), 1).dataSync() as Int32Array;
    });
    for (let i = 0; i < b; i++) {
      if (ended[i]) continue;
      out[i * t + pos + 1] = next[i]!;
      mask[i * t + pos + 1] = 1;
      if (next[i] === ids.sep || next[i] === ids.pad) ended[i] = 1;
    }
  }
  return out;
}

/**
 * The words of one caption's ids: after a leading [CLS], up to the first [SEP] or [PAD] (special
 * tokens between, such as [UNK], are kept as their vocabulary entries so a reference's [UNK] is not
 * silently dropped).
 */
export function captionWords(row: ArrayLike<number>, words: readonly string[], ids: DecoderIds): string[] {
  const out: string[] = [];
  for (let i = 0; i < row.length; i++) {
    const id = row[i]!;
    if (i === 0 && id === ids.cls) continue;
    if (id === ids.sep || id === ids.pad) break;
    out.push(words[id] ?? `[${id}]`);
  }
  return out;
}

const MLM = new Set(['mlmLogits']);
