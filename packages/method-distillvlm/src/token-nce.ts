import * as tf from '@tensorflow/tfjs';
import { detach } from '@kd/core';
import type { QueueState } from './token-queue.js';
import { validTokenRows } from './valid-tokens.js';

export interface TokenNceOptions {
  /** softmax temperature τ */
  readonly temperature: number;
  /** also count the batch's other teacher tokens as negatives */
  readonly inBatchNegatives: boolean;
}

/**
 * DistillVLM's token-wise noise-contrastive loss on hidden states [abs; form R/I]: for each real
 * token, u = normalize(h^S W_s) and v = normalize(h^T W_t); the positive is the teacher's same token,
 * the negatives the queue's used rows (and, with `inBatchNegatives`, the batch's other teacher
 * tokens); loss = mean over tokens of −log softmax([u·v, u·q_1, …] / τ)[0]. Returns the loss and v
 * (detached: what the step enqueues). Gradients reach h^S, W_s and W_t, never h^T or the queue.
 */
export function queueTokenNce(
  student: tf.Tensor,
  teacher: tf.Tensor,
  mask: tf.Tensor,
  ws: tf.Tensor2D,
  wt: tf.Tensor2D,
  queue: QueueState,
  o: TokenNceOptions,
): { loss: tf.Scalar; v: tf.Tensor2D } {
  let v!: tf.Tensor2D;
  const loss = tf.tidy(() => {
    const u = normalizeRows(tf.matMul(validTokenRows(student, mask), ws));
    const vt = normalizeRows(tf.matMul(validTokenRows(detach(teacher), mask), wt));
    v = tf.keep(detach(vt));
    const parts: tf.Tensor2D[] = [tf.sum(tf.mul(u, vt), 1, true) as tf.Tensor2D];
    if (queue.filled > 0) {
      const used = tf.slice(queue.rows, [0, 0], [queue.filled, -1]);
      parts.push(tf.matMul(u, used, false, true));
    }
    if (o.inBatchNegatives) {
      const m = u.shape[0];
      // the other tokens: u·v^T with its diagonal (each token's own positive) pushed to −∞
      parts.push(tf.add(tf.matMul(u, vt, false, true), tf.mul(tf.eye(m), -1e9)) as tf.Tensor2D);
    }
    const logits = tf.div(tf.concat(parts, 1), o.temperature);
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.squeeze(tf.slice(logits, [0, 0], [-1, 1]), [1]))) as tf.Scalar;
  });
  return { loss, v };
}

function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
}
