import * as tf from '@tensorflow/tfjs';
import { binaryCrossEntropyWithLogitsPerEntry } from '@kd/core';

/**
 * The pair annotations of a batch (scenes: `sceneBatchKeys`), B scenes × Q pair slots, N predicates.
 * Column layout of relation logits [B, Q, 1 + N]: 0 = background (no relation), 1 + k = predicate k.
 */
export interface PairLabels {
  /** [B, Q] 1 for a real pair, 0 for padding */
  readonly pairMask: tf.Tensor;
  /** [B, Q, N] multi-hot: every predicate that holds for the pair */
  readonly pairPredicates: tf.Tensor;
  /** [B, Q] int32: the pair's primary predicate, −1 for none / padding */
  readonly pairPredicate: tf.Tensor;
}

/**
 * Which class rows the softmax cross-entropy trains on:
 * - `triples` (RVL-BERT's VRD loader): one row per (pair, predicate) that holds — a pair with two
 *   predicates is two rows, one per predicate, like two annotated triples on the same boxes;
 * - `primary`: one row per pair, its primary predicate.
 * Either way a real pair with no predicate is one background row (class 0).
 */
export type PredicateTarget = 'triples' | 'primary';

/**
 * Row weights [B·Q, 1 + N] of the softmax cross-entropy: entry (pair, class) counts how many training
 * rows of that pair have that class (0 or 1). Padding pairs weigh 0 everywhere.
 */
export function predicateRowWeights(labels: PairLabels, target: PredicateTarget): tf.Tensor2D {
  return tf.tidy(() => {
    const n = labels.pairPredicates.shape[2]!;
    const real = tf.reshape(tf.cast(labels.pairMask, 'float32'), [-1, 1]);
    const holds = tf.reshape(tf.cast(labels.pairPredicates, 'float32'), [-1, n]);
    const background = tf.mul(real, tf.sub(1, tf.max(holds, 1, true)));
    // tf.oneHot of −1 is a zero row: a pair without a primary predicate gets no predicate row
    const predicateRows =
      target === 'triples' ? holds : tf.oneHot(tf.reshape(tf.cast(labels.pairPredicate, 'int32'), [-1]), n);
    return tf.concat([background, tf.mul(real, predicateRows)], 1) as tf.Tensor2D;
  });
}

/**
 * Softmax cross-entropy over background + predicates (RVL-BERT VRD, `F.cross_entropy` over the
 * sampled rows), mean over the training rows of `predicateRowWeights`; 0 when the batch has none.
 * `logits` [B, Q, 1 + N].
 */
export function predicateCrossEntropy(logits: tf.Tensor, labels: PairLabels, target: PredicateTarget): tf.Scalar {
  return tf.tidy(() => {
    const c = logits.shape[2]!;
    const weights = predicateRowWeights(labels, target);
    const logp = tf.logSoftmax(tf.reshape(logits, [-1, c]) as tf.Tensor2D);
    return tf.div(tf.sum(tf.mul(weights, tf.neg(logp))), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
  });
}

/**
 * Per-predicate binary cross-entropy of sigmoid(logit of predicate k) against "k holds for the pair"
 * (RVL-BERT SpatialSense: the queried predicate's logit against True/False, here every predicate of
 * every real pair is queried), mean over real pairs × N; the background column is not trained; 0
 * when the batch has no real pair. `logits` [B, Q, 1 + N].
 */
export function predicateBinaryCrossEntropy(logits: tf.Tensor, labels: PairLabels): tf.Scalar {
  return tf.tidy(() => {
    const c = logits.shape[2]!;
    const n = c - 1;
    const z = tf.slice(tf.reshape(logits, [-1, c]), [0, 1], [-1, n]);
    const y = tf.reshape(tf.cast(labels.pairPredicates, 'float32'), [-1, n]);
    const real = tf.reshape(tf.cast(labels.pairMask, 'float32'), [-1, 1]);
    const perEntry = binaryCrossEntropyWithLogitsPerEntry(z, y);
    return tf.div(tf.sum(tf.mul(perEntry, real)), tf.maximum(tf.mul(tf.sum(real), n), 1)) as tf.Scalar;
  });
}
