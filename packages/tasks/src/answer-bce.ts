import * as tf from '@tensorflow/tfjs';
import { binaryCrossEntropyWithLogits } from '@kd/core';

/**
 * How the answer BCE is reduced: `sum` — summed over the A answers, mean over the questions (PyTorch
 * `F.binary_cross_entropy_with_logits(logits, scores) * A`, as the bottom-up-top-down VQA code, Oscar's
 * `instance_bce_with_logits` and MMF/VisualBERT's `logit_bce` do); `mean` — also averaged over the
 * answers (plain `BCEWithLogitsLoss`, A times smaller).
 */
export type AnswerBceReduction = 'sum' | 'mean';

/**
 * The VQA answer loss: binary cross-entropy of sigmoid(logits) [B, A] against the soft answer scores
 * [B, A] (each answer an independent yes/no, so several partly right answers share the credit).
 */
export function answerBinaryCrossEntropy(
  logits: tf.Tensor,
  scores: tf.Tensor,
  reduction: AnswerBceReduction = 'sum',
): tf.Scalar {
  return tf.tidy(() => {
    const mean = binaryCrossEntropyWithLogits(logits, scores);
    return (reduction === 'sum' ? tf.mul(mean, logits.shape[logits.rank - 1]!) : mean) as tf.Scalar;
  });
}
