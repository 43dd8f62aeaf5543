import * as tf from '@tensorflow/tfjs';

/**
 * The rows of `[B, N, D]` states at the real tokens of `mask` ([B, N], 1 = a text token under its
 * `tokenMask` or a region under its proposal mask), in row-major order (sample, then position), as
 * `[M, D]`. The mask is data, read once per call; the gather is differentiable in the states.
 */
export function validTokenRows(states: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
  const [b, n, d] = states.shape as [number, number, number];
  if (mask.shape[0] !== b || mask.shape[1] !== n) {
    throw new Error(`token mask [${mask.shape}] does not fit states [${states.shape}]`);
  }
  const m = mask.dataSync();
  const rows: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i]! > 0) rows.push(i);
  if (rows.length === 0) throw new Error('the token mask selects no token');
  return tf.gather(tf.reshape(states, [b * n, d]), tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
}
