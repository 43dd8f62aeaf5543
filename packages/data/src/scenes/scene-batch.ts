import * as tf from '@tensorflow/tfjs';
import { Rng, deriveSeed, type Batch, type BatchKeySpec, type BatchKeySpecs } from '@kd/core';
import type { RegionProposals } from '../proposals/proposals.js';
import type { Scene } from './scene.js';
import { PREDICATES } from './spatial-relations.js';
import { sampleTrainingPairs } from './training-pairs.js';

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
  /** `y` as multi-hot [B, K] (default) or, for scenes of exactly one object, its class [B] int32. */
  readonly labels?: SceneLabels;
  /** Which pairs carry relation annotations (`pairPredicate`, `pairPredicates`); default 'all'. */
  readonly relationPairs?: RelationPairs;
  /**
   * Training batches only: per scene, `count` pairs drawn by RVL-BERT's VRD sampler
   * (`sampleTrainingPairs`) with the rng `deriveSeed(seed, 'training-pairs', scene index)`, instead of
   * every pair; background draws carry no predicate. Default: every pair, in relation order.
   */
  readonly trainingPairs?: { readonly count: number; readonly seed: number };
}

/**
 * Which ordered pairs of a scene carry relation annotations: 'all' — every pair, every predicate that
 * holds (dense); 'near' — only the pairs that are near or overlapping (as VRD, whose annotators label
 * interacting, mostly close objects), the others stay real pairs with no predicate: background.
 */
export type RelationPairs = 'all' | 'near';

/** Whether a relation is annotated under `relationPairs`. */
export const relationAnnotated = (predicates: readonly string[], pairs: RelationPairs = 'all'): boolean =>
  pairs === 'all' || predicates.includes('near') || predicates.includes('overlapping');

/** How a scene batch gives its labels `y`: multi-hot over classes, or the class of a scene's single object. */
export type SceneLabels = 'multi-hot' | 'class';

/** The name of the region source that holds the annotated boxes themselves (an oracle detector: predicate detection). */
export const OBJECT_REGIONS = 'objects';

/** Ordered object pairs per scene: M·(M−1) slots for M box slots. */
export const pairSlots = (maxObjects: number): number => maxObjects * (maxObjects - 1);

/**
 * The keys of a scene batch, declared (B omitted): H×W canvas, K classes, M = maxObjects, Q = M·(M−1)
 * ordered pairs, proposal sources with their `topK`.
 */
export function sceneBatchKeys(options: {
  height: number;
  width: number;
  numClasses: number;
  maxObjects: number;
  proposals: Readonly<Record<string, number>>;
  labels?: SceneLabels;
}): BatchKeySpecs {
  const { height: h, width: w, numClasses: k, maxObjects: m } = options;
  const q = pairSlots(m);
  const f = (shape: number[], description: string): BatchKeySpec => ({ shape, dtype: 'float32', description });
  const i = (shape: number[], description: string): BatchKeySpec => ({ shape, dtype: 'int32', description });
  const keys: Record<string, BatchKeySpec> = {
    x: f([h, w, 1], 'canvas in [0, 1]'),
    y:
      options.labels === 'class'
        ? i([], 'the class of the scene’s single object')
        : f([k], 'multi-hot labels (base annotations)'),
    boxes: f([m, 4], 'object boxes x1, y1, x2, y2 in pixels, reading order, zero padded (base annotations)'),
    boxClasses: i([m], 'class id per box, −1 padding'),
    boxCount: i([], 'annotated objects per scene'),
    fullBoxes: f([m, 4], 'boxes of every object, novel ones included (for evaluation)'),
    fullBoxClasses: i([m], 'class id per full box, −1 padding'),
    fullBoxCount: i([], 'objects per scene, novel ones included'),
    pairs: i([q, 2], '(subject, object) indices into boxes of every ordered pair of annotated objects, zero padded'),
    pairMask: f([q], '1 for a real pair, 0 for padding'),
    pairPredicate: i([q], 'the primary predicate of each pair (index into the predicates facet), −1 padding'),
    pairPredicates: f([q, PREDICATES.length], 'multi-hot: every predicate that holds for the pair'),
    pairQuery: i([q], "the predicate a SpatialSense-like query asks about the pair (the scene's queries), −1 padding"),
    pairTruth: f([q], "1 when the pair's queried predicate holds, 0 when it does not (or padding)"),
    index: i([], 'scene index'),
  };
  for (const [name, topK] of Object.entries(options.proposals)) {
    const pk = proposalKeys(name);
    const what =
      name === ''
        ? 'region proposals'
        : name === OBJECT_REGIONS
          ? 'the annotated boxes as regions'
          : `region proposals of source '${name}'`;
    keys[pk.boxes] = f([topK, 4], `${what}, best first, zero padded`);
    keys[pk.scores] = f([topK], 'their scores, 0 padding');
    keys[pk.mask] = f([topK], '1 for a real region, 0 for padding');
  }
  const o = proposalKeys(OBJECT_REGIONS);
  keys[o.boxes] = f([m, 4], 'the annotated boxes as a region source (same slots as boxes)');
  keys[o.scores] = f([m], '1 per annotated box, 0 padding');
  keys[o.mask] = f([m], '1 per annotated box, 0 padding');
  return keys;
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
 * The pairs a scene shows in a batch, as indices into its relations: every relation in order, or the
 * training sampler's draw (`trainingPairs`). `background`: the pair carries no predicate.
 */
function scenePairs(
  ann: Pick<Scene, 'objects' | 'relations'>,
  sceneIndex: number,
  options: SceneBatchOptions,
): { relation: number; background: boolean }[] {
  const annotated = (r: Scene['relations'][number]) => relationAnnotated(r.predicates, options.relationPairs);
  if (!options.trainingPairs) return ann.relations.map((r, relation) => ({ relation, background: !annotated(r) }));
  const n = ann.objects.length;
  const slot = new Map(ann.relations.map((r, relation) => [r.subject * n + r.object, relation]));
  const { count, seed } = options.trainingPairs;
  const drawn = sampleTrainingPairs(
    ann.relations.filter(annotated),
    n,
    count,
    new Rng(deriveSeed(seed, 'training-pairs', sceneIndex)),
  );
  return drawn.map((p) => {
    const relation = slot.get(p.subject * n + p.object);
    if (relation === undefined)
      throw new RangeError(`sceneBatch: scene ${sceneIndex} has no relation for pair (${p.subject}, ${p.object})`);
    return { relation, background: p.background };
  });
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
 * | `fullBoxes`, `fullBoxClasses`, `fullBoxCount` | as above | | every object, novel ones included |
 * | `pairs` | [B, Q, 2] | int32 | (subject, object) indices into `boxes`, Q = M·(M−1), zero padded (every pair in relation order, or the `trainingPairs` draw) |
 * | `pairMask` | [B, Q] | float32 | 1 for a real pair |
 * | `pairPredicate` | [B, Q] | int32 | primary predicate id (`PREDICATES`), −1 padding or not annotated (`relationPairs`) |
 * | `pairPredicates` | [B, Q, 6] | float32 | every predicate that holds |
 * | `pairQuery` | [B, Q] | int32 | the predicate the pair's query asks about (`tripleQueries`), −1 padding |
 * | `pairTruth` | [B, Q] | float32 | 1 when the queried predicate holds, else 0 |
 * | `index` | [B] | int32 | scene indices |
 *
 * plus the three proposal keys of every other named source (`proposalKeys`) and of `objects` (the
 * annotated boxes as regions). Box classes are the source's class ids (not remapped for base/novel
 * splits). `sceneBatchKeys` declares the same keys as data.
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
  const fullBoxes = new Float32Array(b * m * 4);
  const fullBoxClasses = new Int32Array(b * m).fill(-1);
  const fullBoxCount = new Int32Array(b);
  const q = pairSlots(m);
  const np = PREDICATES.length;
  const pairs = new Int32Array(b * q * 2);
  const pairMask = new Float32Array(b * q);
  const pairPredicate = new Int32Array(b * q).fill(-1);
  const pairPredicates = new Float32Array(b * q * np);
  const pairQuery = new Int32Array(b * q).fill(-1);
  const pairTruth = new Float32Array(b * q);
  const objectScores = new Float32Array(b * m);
  const index = new Int32Array(b);
  scenes.forEach((scene, i) => {
    if (scene.height !== height || scene.width !== width)
      throw new RangeError(
        `sceneBatch: scene ${scene.index} is ${scene.height}×${scene.width}, not ${height}×${width}`,
      );
    const ann = options.annotations === 'full' ? scene.full : scene;
    if (ann.objects.length > m)
      throw new RangeError(
        `sceneBatch: scene ${scene.index} has ${ann.objects.length} objects, more than maxObjects ${m}`,
      );
    x.set(scene.image, i * height * width);
    y.set(ann.labels, i * k);
    ann.objects.forEach((o, j) => {
      boxes.set(o.box, (i * m + j) * 4);
      boxClasses[i * m + j] = o.classId;
    });
    boxCount[i] = ann.objects.length;
    objectScores.fill(1, i * m, i * m + ann.objects.length);
    if (scene.full.objects.length > m)
      throw new RangeError(
        `sceneBatch: scene ${scene.index} has ${scene.full.objects.length} objects, more than maxObjects ${m}`,
      );
    scene.full.objects.forEach((o, j) => {
      fullBoxes.set(o.box, (i * m + j) * 4);
      fullBoxClasses[i * m + j] = o.classId;
    });
    fullBoxCount[i] = scene.full.objects.length;
    for (const [j, { relation, background }] of scenePairs(ann, scene.index, options).entries()) {
      const r = ann.relations[relation]!;
      const slot = i * q + j;
      pairs[slot * 2] = r.subject;
      pairs[slot * 2 + 1] = r.object;
      pairMask[slot] = 1;
      if (!background) {
        pairPredicate[slot] = PREDICATES.indexOf(r.primary);
        for (const p of r.predicates) pairPredicates[slot * np + PREDICATES.indexOf(p)] = 1;
      }
      const query = ann.queries[relation]!;
      pairQuery[slot] = PREDICATES.indexOf(query.predicate);
      pairTruth[slot] = query.truth ? 1 : 0;
    }
    index[i] = scene.index;
  });
  const batch: Record<string, tf.Tensor> = {};
  // tf.tidy is not needed: nothing intermediate is created; on an error, dispose what exists.
  try {
    batch['x'] = tf.tensor4d(x, [b, height, width, 1], 'float32');
    if (options.labels === 'class') {
      const classes = Int32Array.from(scenes, (scene) => {
        const objects = (options.annotations === 'full' ? scene.full : scene).objects;
        if (objects.length !== 1)
          throw new RangeError(
            `sceneBatch: labels 'class' needs one object per scene; scene ${scene.index} has ${objects.length}`,
          );
        return objects[0]!.classId;
      });
      batch['y'] = tf.tensor1d(classes, 'int32');
    } else {
      batch['y'] = tf.tensor2d(y, [b, k], 'float32');
    }
    batch['boxes'] = tf.tensor3d(boxes, [b, m, 4], 'float32');
    batch['boxClasses'] = tf.tensor2d(boxClasses, [b, m], 'int32');
    batch['boxCount'] = tf.tensor1d(boxCount, 'int32');
    batch['fullBoxes'] = tf.tensor3d(fullBoxes, [b, m, 4], 'float32');
    batch['fullBoxClasses'] = tf.tensor2d(fullBoxClasses, [b, m], 'int32');
    batch['fullBoxCount'] = tf.tensor1d(fullBoxCount, 'int32');
    batch['pairs'] = tf.tensor3d(pairs, [b, q, 2], 'int32');
    batch['pairMask'] = tf.tensor2d(pairMask, [b, q], 'float32');
    batch['pairPredicate'] = tf.tensor2d(pairPredicate, [b, q], 'int32');
    batch['pairPredicates'] = tf.tensor3d(pairPredicates, [b, q, np], 'float32');
    batch['pairQuery'] = tf.tensor2d(pairQuery, [b, q], 'int32');
    batch['pairTruth'] = tf.tensor2d(pairTruth, [b, q], 'float32');
    const objectKeys = proposalKeys(OBJECT_REGIONS);
    batch[objectKeys.boxes] = batch['boxes'].clone();
    batch[objectKeys.scores] = tf.tensor2d(objectScores, [b, m], 'float32');
    batch[objectKeys.mask] = tf.tensor2d(objectScores, [b, m], 'float32');
    for (const [name, source] of Object.entries(options.proposals ?? {})) {
      const keys = proposalKeys(name);
      const p = source.topK;
      if (source.perScene.length !== b)
        throw new RangeError(
          `sceneBatch: proposal source '${name}' has ${source.perScene.length} entries for ${b} scenes`,
        );
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
