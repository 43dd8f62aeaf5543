import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch } from './word-tokenizer.js';

/** An encoded batch as tensors: ids int32 [B, L] and attention mask float32 [B, L]. The caller disposes them. */
export function encodedBatchTensors(batch: EncodedBatch): { ids: tf.Tensor2D; attentionMask: tf.Tensor2D } {
  const shape: [number, number] = [batch.batchSize, batch.length];
  return {
    ids: tf.tensor2d(batch.ids, shape, 'int32'),
    attentionMask: tf.tensor2d(batch.attentionMask, shape, 'float32'),
  };
}
