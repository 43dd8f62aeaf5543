import * as tf from '@tensorflow/tfjs';

/** A FIFO ring of K row vectors (teacher token embeddings): the queue's state as saved in checkpoints. */
export interface QueueState {
  /** [K, d]; rows at or past `filled` (in slot order) are not used yet */
  readonly rows: tf.Tensor2D;
  /** the slot the next row is written to */
  readonly head: number;
  /** how many slots hold rows (K once full) */
  readonly filled: number;
}

/**
 * The step's rows written into the ring: row r at slot (head + r) mod K, in row order (so when
 * more rows than K come, the newest K remain); head ← (head + M) mod K, filled ← min(K, filled + M).
 * Pure: returns a new `rows` tensor (the caller disposes the old one).
 */
export function enqueueRows(state: QueueState, rows: tf.Tensor2D): QueueState {
  const [k, d] = state.rows.shape;
  const [m, dm] = rows.shape;
  if (dm !== d) throw new Error(`enqueueRows: rows of width ${dm} into a queue of width ${d}`);
  const slots = Array.from({ length: k }, (_, i) => i);
  // the last row written to each slot (row index into [queue; rows]: k + r), else the slot itself
  for (let r = Math.max(0, m - k); r < m; r++) slots[(state.head + r) % k] = k + r;
  const next = tf.tidy(() => tf.gather(tf.concat([state.rows, rows], 0), tf.tensor1d(slots, 'int32')) as tf.Tensor2D);
  return { rows: next, head: (state.head + m) % k, filled: Math.min(k, state.filled + m) };
}
