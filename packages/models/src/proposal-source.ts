import * as tf from '@tensorflow/tfjs';
import { UserError, type Batch, type BatchKeyRequest } from '@kd/core';

/** The batch keys of a region proposal source (scenes: `scene-batch.ts`): boxes [P, 4] in pixels, best first, and their 0/1 mask [P]. */
export interface ProposalKeys {
  readonly boxes: string;
  readonly mask: string;
}

/**
 * Batch keys of a proposal source named in a model's `options.proposals`: '' → `proposals` /
 * `proposalMask` (the primary source); a name → `<name>Proposals` / `<name>ProposalMask` (e.g.
 * 'biased', or 'objects': the annotated boxes themselves).
 */
export function proposalBatchKeys(source: string): ProposalKeys {
  return source === ''
    ? { boxes: 'proposals', mask: 'proposalMask' }
    : { boxes: `${source}Proposals`, mask: `${source}ProposalMask` };
}

/**
 * What a model that reads proposal source `source` asks of the batch: its boxes [P, 4] (any P, or
 * exactly `regions` when given) and mask [P], each with `why` (e.g. "regions of proposal source …").
 */
export function proposalKeyRequests(source: string, why: string, regions?: number): BatchKeyRequest[] {
  const keys = proposalBatchKeys(source);
  return [
    regions === undefined
      ? { key: keys.boxes, dtype: 'float32', rank: 2, why }
      : { key: keys.boxes, dtype: 'float32', shape: [regions, 4], why },
    { key: keys.mask, dtype: 'float32', rank: 1, why },
  ];
}

/**
 * The first `regions` proposals of a source: boxes [B, R, 4] (pixels) and their mask [B, R]. `model`
 * names the reader in the one-line error for a batch without the source or with too few proposals.
 */
export function firstProposals(
  batch: Batch,
  source: string,
  regions: number,
  model: string,
): { boxes: tf.Tensor3D; mask: tf.Tensor2D } {
  const keys = proposalBatchKeys(source);
  const proposals = batch[keys.boxes];
  const mask = batch[keys.mask];
  if (!proposals || !mask)
    throw new UserError(
      `${model}: the batch has no '${keys.boxes}'/'${keys.mask}' (options.proposals names a proposal source the data does not have)`,
    );
  const [b, p] = proposals.shape as [number, number, number];
  if (p < regions) throw new UserError(`${model}: ${p} proposals per image, the model takes regions: ${regions}`);
  return tf.tidy(() => ({
    boxes: tf.slice(proposals, [0, 0, 0], [b, regions, 4]) as tf.Tensor3D,
    mask: tf.slice(mask, [0, 0], [b, regions]) as tf.Tensor2D,
  }));
}
