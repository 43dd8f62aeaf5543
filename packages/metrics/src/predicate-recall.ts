import { descendingOrder } from './ranking.js';
import { assertInteger } from './validate.js';

/** A ground-truth relationship: subject and object are indices into the image's object list. */
export interface RelationshipTriple {
  readonly subject: number;
  readonly object: number;
  /** predicate id ≥ 1 (0 is background) */
  readonly predicate: number;
}

/** A candidate subject–object pair with its predicate scores (index 0 = background / no relation). */
export interface CandidatePair {
  readonly subject: number;
  readonly object: number;
  readonly scores: ArrayLike<number>;
}

/** One image of the predicate-detection task. */
export interface PredicateDetectionImage {
  readonly groundTruth: readonly RelationshipTriple[];
  /** the pairs the model scored; subject / object index the same object list as `groundTruth` */
  readonly candidates: readonly CandidatePair[];
}

export interface PredicateRecallResult {
  /** total ground-truth triples over all images */
  readonly total: number;
  /** matched ground-truth triples at each K */
  readonly matched: Readonly<Record<number, number>>;
  /** matched / total at each K (NaN when total = 0) */
  readonly recall: Readonly<Record<number, number>>;
  /** per ground-truth predicate p (index ≥ 1): its triples, matched ones at each K, their recall (NaN without triples) */
  readonly perPredicate: ReadonlyMap<
    number,
    {
      readonly total: number;
      readonly matched: Readonly<Record<number, number>>;
      readonly recall: Readonly<Record<number, number>>;
    }
  >;
}

/**
 * Predicate-detection Recall@K (Lu et al. 2016, VRD). Ground-truth boxes and labels are given, so
 * pairs are identified by their object indices. In each image every candidate pair predicts one
 * triple: its arg-max predicate over indices ≥ 1 (ties → lowest index), with that score as
 * confidence. The image's predictions are ranked by confidence (stable: equal confidences keep the
 * candidates' order) and the top K kept; each is matched to one not-yet-matched ground-truth triple
 * with the same subject, object and predicate. Recall@K = Σ_images matched / Σ_images #GT (micro).
 */
export function predicateRecallAtK(
  images: readonly PredicateDetectionImage[],
  ks: readonly number[] = [50, 100],
): PredicateRecallResult {
  const what = 'predicateRecallAtK';
  if (ks.length === 0) throw new Error(`${what}: ks is empty`);
  ks.forEach((k, i) => assertInteger(what, `ks[${i}]`, k, 1));
  let total = 0;
  const matched: Record<number, number> = {};
  for (const k of ks) matched[k] = 0;
  const byPredicate = new Map<number, { total: number; matched: Record<number, number> }>();
  const ofPredicate = (p: number) => {
    let entry = byPredicate.get(p);
    if (!entry) {
      entry = { total: 0, matched: Object.fromEntries(ks.map((k) => [k, 0])) };
      byPredicate.set(p, entry);
    }
    return entry;
  };

  images.forEach((image, imageIndex) => {
    const where = `image ${imageIndex}`;
    image.groundTruth.forEach((g, i) => {
      assertInteger(what, `${where} groundTruth[${i}].subject`, g.subject);
      assertInteger(what, `${where} groundTruth[${i}].object`, g.object);
      assertInteger(what, `${where} groundTruth[${i}].predicate`, g.predicate, 1);
    });
    total += image.groundTruth.length;
    for (const g of image.groundTruth) ofPredicate(g.predicate).total++;
    const predicate = new Int32Array(image.candidates.length);
    const confidence = new Float64Array(image.candidates.length);
    image.candidates.forEach((c, i) => {
      assertInteger(what, `${where} candidates[${i}].subject`, c.subject);
      assertInteger(what, `${where} candidates[${i}].object`, c.object);
      if (c.scores.length < 2) {
        throw new Error(
          `${what}: ${where} candidates[${i}].scores has ${c.scores.length} values; needs background + ≥ 1 predicate`,
        );
      }
      let best = 1;
      for (let p = 1; p < c.scores.length; p++) {
        const v = c.scores[p]!;
        if (typeof v !== 'number' || Number.isNaN(v))
          throw new Error(`${what}: ${where} candidates[${i}].scores[${p}] is ${v}`);
        if (v > c.scores[best]!) best = p;
      }
      predicate[i] = best;
      confidence[i] = c.scores[best]!;
    });
    const order = descendingOrder(confidence);
    for (const k of ks) {
      const used = new Uint8Array(image.groundTruth.length);
      let hits = 0;
      for (let r = 0; r < Math.min(k, order.length); r++) {
        const c = image.candidates[order[r]!]!;
        const p = predicate[order[r]!]!;
        const g = image.groundTruth.findIndex(
          (t, j) => !used[j] && t.subject === c.subject && t.object === c.object && t.predicate === p,
        );
        if (g >= 0) {
          used[g] = 1;
          hits++;
          ofPredicate(p).matched[k]!++;
        }
      }
      matched[k]! += hits;
    }
  });
  const recall: Record<number, number> = {};
  for (const k of ks) recall[k] = matched[k]! / total;
  const perPredicate = new Map(
    [...byPredicate].map(([p, e]) => [
      p,
      { ...e, recall: Object.fromEntries(ks.map((k) => [k, e.matched[k]! / e.total])) },
    ]),
  );
  return { total, matched, recall, perPredicate };
}
