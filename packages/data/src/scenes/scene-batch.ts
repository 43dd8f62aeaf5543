import * as tf from '@tensorflow/tfjs';
import type { Batch } from '@kd/core';
import type { RegionProposals } from '../proposals/proposals.js';
import type { Scene } from './scene.js';

/** The proposals of every scene of a batch, from one source, padded to `topK`. */
export interface BatchProposals {
  /** One per scene, in batch order. */
  readonly perScene: readonly RegionProposals[];
  readonly topK: number;
}

export interface SceneBatchOptions {
  readonly numClasses: number;
  /** Box slots per scene (the scene config's maxObjects). */
  readonly maxObjects: number;
  /** Annotations behind `y`, `boxes`, `boxClasses`: 'base' (default; novel removed) or 'full'. */
  readonly annotations?: 'base' | 'full';
  /** Proposal sources by name ('' = the primary source); see `proposalKeys` for the batch keys. */
  readonly proposals?: Readonly<Record<string, BatchProposals>>;
}

/**
 * Batch keys of the proposal source `name`: '' → `proposals`, `proposalScores`, `proposalMask`;
 * 'student' → `studentProposals`, `studentProposalScores`, `studentProposalMask`.
 */
export function proposalKeys(name: string): { boxes: string; scores: string; mask: string } {
  if (name === '') return { boxes: 'proposals', scores: 'proposalScores', mask: 'proposalMask' };
  return { boxes: `${name}Proposals`, scores: `${name}ProposalScores`, mask: `${name}ProposalMask` };
}

/**
 * A batch of scenes (B = scenes.length, H×W canvas, K classes, M = maxObjects, P = topK):
 *
 * | key | shape | dtype | content |
 * |---|---|---|---|
 * | `x` | [B, H, W, 1] | float32 | canvas in [0, 1] |
 * | `y` | [B, K] | float32 | multi-hot labels |
 * | `boxes` | [B, M, 4] | float32 | object boxes x1, y1, x2, y2 (pixels) in reading order, zero padded |
 * | `boxClasses` | [B, M] | int32 | class id per box, −1 padding |
 * | `boxCount` | [B] | int32 | objects per scene |
 * | `proposals` | [B, P, 4] | float32 | region proposals, best first, zero padded |
 * | `proposalScores` | [B, P] | float32 | their objectness, 0 padding |
 * | `proposalMask` | [B, P] | float32 | 1 for real proposals, 0 for padding |
 * | `index` | [B] | int32 | scene indices |
 *
 * plus the three proposal keys of every other named source (`proposalKeys`). Box classes are the
 * source's class ids (not remapped for base/novel splits).
 */
export function sceneBatch(scenes: readonly Scene[], options: SceneBatchOptions): Batch {
  const b = scenes.length;
  if (b === 0) throw new RangeError('sceneBatch: no scenes');
  const { height, width } = scenes[0]!;
  const { numClasses: k, maxObjects: m } = options;
  const x = new Float32Array(b * height * width);
  const y = new Float32Array(b * k);
  const boxes = new Float32Array(b * m * 4);
  const boxClasses = new Int32Array(b * m).fill(-1);
  const boxCount = new Int32Array(b);
  const index = new Int32Array(b);
  scenes.forEach((scene, i) => {
    if (scene.height !== height || scene.width !== width) throw new RangeError(`sceneBatch: scene ${scene.index} is ${scene.height}×${scene.width}, not ${height}×${width}`);
    const ann = options.annotations === 'full' ? scene.full : scene;
    if (ann.objects.length > m) throw new RangeError(`sceneBatch: scene ${scene.index} has ${ann.objects.length} objects, more than maxObjects ${m}`);
    x.set(scene.image, i * height * width);
    y.set(ann.labels, i * k);
    ann.objects.forEach((o, j) => {
      boxes.set(o.box, (i * m + j) * 4);
      boxClasses[i * m + j] = o.classId;
    });
    boxCount[i] = ann.objects.length;
    index[i] = scene.index;
  });
  const batch: Record<string, tf.Tensor> = {};
  // tf.tidy is not needed: nothing intermediate is created; on an error, dispose what exists.
  try {
    batch['x'] = tf.tensor4d(x, [b, height, width, 1], 'float32');
    batch['y'] = tf.tensor2d(y, [b, k], 'float32');
    batch['boxes'] = tf.tensor3d(boxes, [b, m, 4], 'float32');
    batch['boxClasses'] = tf.tensor2d(boxClasses, [b, m], 'int32');
    batch['boxCount'] = tf.tensor1d(boxCount, 'int32');
    for (const [name, source] of Object.entries(options.proposals ?? {})) {
      const keys = proposalKeys(name);
      const p = source.topK;
      if (source.perScene.length !== b) throw new RangeError(`sceneBatch: proposal source '${name}' has ${source.perScene.length} entries for ${b} scenes`);
      const pb = new Float32Array(b * p * 4);
      const ps = new Float32Array(b * p);
      const pm = new Float32Array(b * p);
      source.perScene.forEach((r, i) => {
        const count = Math.min(r.count, p);
        pb.set(r.boxes.subarray(0, count * 4), i * p * 4);
        ps.set(r.scores.subarray(0, count), i * p);
        pm.fill(1, i * p, i * p + count);
      });
      batch[keys.boxes] = tf.tensor3d(pb, [b, p, 4], 'float32');
      batch[keys.scores] = tf.tensor2d(ps, [b, p], 'float32');
      batch[keys.mask] = tf.tensor2d(pm, [b, p], 'float32');
    }
    batch['index'] = tf.tensor1d(index, 'int32');
  } catch (e) {
    tf.dispose(Object.values(batch));
    throw e;
  }
  return batch as unknown as Batch;
}
