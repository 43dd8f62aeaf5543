import { boxIou, type Box } from './box-iou.js';

/** One image's localisation query: for a class present in the image, the detector's best box and the class's true boxes. */
export interface LocalizationQuery {
  readonly classId: number;
  /** The box the detector scores highest for this class in this image. */
  readonly predicted: Box;
  /** The image's annotated boxes of this class (at least one). */
  readonly truth: readonly Box[];
}

/**
 * CorLoc (Deselaers et al. 2012; the weakly supervised detection measure WSDDN reports): for each
 * class, the fraction of the images containing it whose top-scoring box for it overlaps one of its
 * true boxes with IoU ≥ `iou` (0.5); averaged over the classes with at least one query. Returns the
 * mean and the per-class values (NaN for a class without a query). 0 queries: mean NaN.
 */
export function correctLocalization(
  queries: readonly LocalizationQuery[],
  numClasses: number,
  iou = 0.5,
): { corLoc: number; perClass: number[] } {
  const hits = new Array<number>(numClasses).fill(0);
  const counts = new Array<number>(numClasses).fill(0);
  for (const q of queries) {
    if (!(q.classId >= 0 && q.classId < numClasses))
      throw new RangeError(`correctLocalization: class ${q.classId} outside [0, ${numClasses})`);
    if (q.truth.length === 0)
      throw new RangeError(`correctLocalization: a query of class ${q.classId} has no true box`);
    counts[q.classId]!++;
    if (q.truth.some((t) => boxIou(q.predicted, t) >= iou)) hits[q.classId]!++;
  }
  const perClass = counts.map((n, k) => (n > 0 ? hits[k]! / n : Number.NaN));
  const present = perClass.filter((v) => !Number.isNaN(v));
  const corLoc = present.length ? present.reduce((a, b) => a + b, 0) / present.length : Number.NaN;
  return { corLoc, perClass };
}
