import * as tf from '@tensorflow/tfjs';

/**
 * The rows of `[B, N, D]` states at the real tokens of `mask` ([B, N], 1 = a text token under its
 * `tokenMask` or a region under its proposal mask), in row-major order (sample, then position), as
 * `[M, D]`. The mask is data, read once per mask tensor; the gather is differentiable in the states.
 */
export function validTokenRows(states: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
  const [b, n, d] = states.shape as [number, number, number];
  if (mask.shape[0] !== b || mask.shape[1] !== n) {
    throw new Error(`token mask [${mask.shape}] does not fit states [${states.shape}]`);
  }
  return tf.gather(tf.reshape(states, [b * n, d]), tf.tensor1d(rowsOf(mask), 'int32')) as tf.Tensor2D;
}

/** The mask's real positions, read from the backend once per mask (a step's terms and layers share one). */
const rowCache = new WeakMap<tf.Tensor, Int32Array>();
function rowsOf(mask: tf.Tensor): Int32Array {
  let rows = rowCache.get(mask);
  if (!rows) {
    const m = mask.dataSync();
    const picked: number[] = [];
    for (let i = 0; i < m.length; i++) if (m[i]! > 0) picked.push(i);
    if (picked.length === 0) throw new Error('the token mask selects no token');
    rows = Int32Array.from(picked);
    rowCache.set(mask, rows);
  }
  return rows;
}
