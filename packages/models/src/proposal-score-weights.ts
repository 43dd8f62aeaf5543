import * as tf from '@tensorflow/tfjs';
import { UserError, z, type Batch, type BatchKeyRequest } from '@kd/core';
import { proposalBatchKeys } from './proposal-source.js';

/**
 * How a proposal's score scales its pooled features (WSDDN's modified RoI pooling multiplies each
 * pooled value by the proposal's EdgeBoxes score):
 * - `raw` (default): the score as the batch gives it — the official layer (score_scale 1,
 *   score_bias 0). The scenes' EdgeBoxes-like objectness of kept proposals lies in about [0, 0.23];
 *   it could be negative for a box cut through objects (none of the kept ones on 2,200 scenes was);
 * - `normalized`: score / the image's best real-proposal score, clamped to [0, 1] (every image's best
 *   proposal weighs 1: a deviation, for sources whose scores are not comparable across images);
 * - `none`: 1 for every real proposal (plain RoI pooling).
 * Padded proposals weigh 0 in every mode.
 */
export const PROPOSAL_SCORE_WEIGHTS = ['raw', 'normalized', 'none'] as const;
export type ProposalScoreWeights = (typeof PROPOSAL_SCORE_WEIGHTS)[number];

/** The option's schema, for architectures that pool score-weighted proposals. */
export const proposalScoreWeightsOption = z
  .enum(PROPOSAL_SCORE_WEIGHTS)
  .default('raw')
  .describe(
    "how a proposal's score scales its pooled features: raw (the official layer), normalized (÷ the image's best, clamped to [0, 1]), none",
  );

/** The batch key of a source's proposal scores: '' → `proposalScores`; a name → `<name>ProposalScores`. */
export function proposalScoresKey(source: string): string {
  return source === '' ? 'proposalScores' : `${source}ProposalScores`;
}

/** What a model reading a source's scores asks of the batch (besides its boxes and mask). */
export function proposalScoresRequest(source: string, why: string): BatchKeyRequest {
  return { key: proposalScoresKey(source), dtype: 'float32', rank: 1, why };
}

/**
 * The per-proposal feature weights [B, R] of the first `regions` proposals of `source` (see
 * `PROPOSAL_SCORE_WEIGHTS`); `mask` [B, R] is their 0/1 mask. `model` names the reader in the
 * one-line error for a batch without scores.
 */
export function proposalScoreWeights(
  batch: Batch,
  source: string,
  regions: number,
  mask: tf.Tensor2D,
  mode: ProposalScoreWeights,
  model: string,
): tf.Tensor2D {
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32') as tf.Tensor2D;
    if (mode === 'none') return m;
    const key = proposalScoresKey(source);
    const all = batch[key];
    if (!all)
      throw new UserError(
        `${model}: the batch has no '${key}' (options.proposals names a source without scores; ${proposalBatchKeys(source).boxes} has none)`,
      );
    const scores = tf.mul(tf.slice(all, [0, 0], [all.shape[0]!, regions]), m) as tf.Tensor2D;
    if (mode === 'raw') return scores;
    // the image's best real score (padding at −∞), at least a tiny positive value
    const best = tf.maximum(tf.max(tf.add(scores, tf.mul(tf.sub(m, 1), 1e30)), 1, true), 1e-12);
    return tf.mul(tf.clipByValue(tf.div(scores, best), 0, 1), m) as tf.Tensor2D;
  });
}
