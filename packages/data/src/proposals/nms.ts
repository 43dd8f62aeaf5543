/**
 * Greedy non-maximum suppression. Visits boxes by descending score (ties: lower index first) and
 * keeps a box unless its IoU with an already kept box is greater than `iouThreshold`; stops after
 * `maxOutput` boxes. `boxes` is flat [x1, y1, x2, y2, …] (N·4), `scores` has N entries (no NaN).
 * Returns the kept indices in the order kept (best first).
 *
 * Only the best max(64, 4·maxOutput) candidates are sorted at first; the rest are sorted only when
 * those run out before `maxOutput` boxes are kept (the result is the same as a full sort's).
 */
export function nonMaxSuppression(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  iouThreshold: number,
  maxOutput = Number.POSITIVE_INFINITY,
): Int32Array {
  const n = scores.length;
  if (boxes.length !== 4 * n) throw new RangeError(`nonMaxSuppression: ${boxes.length / 4} boxes but ${n} scores`);
  const limit = Math.min(n, maxOutput);
  const kept = new Int32Array(limit);
  if (limit === 0) return kept;
  const byScore = (a: number, b: number) => scores[b]! - scores[a]! || a - b;
  // Phase 1: candidates scoring ≥ the m-th best score; phase 2 (rarely): the others.
  const m = Math.min(n, Math.max(64, 4 * limit));
  let threshold = Number.NEGATIVE_INFINITY;
  if (m < n) {
    const copy = new Float64Array(n);
    for (let i = 0; i < n; i++) copy[i] = scores[i]!;
    threshold = kthSmallest(copy, n - m);
  }
  const first: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < n; i++) (scores[i]! >= threshold ? first : rest).push(i);
  first.sort(byScore);

  const keptBoxes = new Float64Array(limit * 4);
  const keptAreas = new Float64Array(limit);
  let count = 0;
  const visit = (order: readonly number[]) => {
    for (let k = 0; k < order.length && count < limit; k++) {
      const i = order[k]!;
      const x1 = boxes[4 * i]!;
      const y1 = boxes[4 * i + 1]!;
      const x2 = boxes[4 * i + 2]!;
      const y2 = boxes[4 * i + 3]!;
      const area = x2 > x1 && y2 > y1 ? (x2 - x1) * (y2 - y1) : 0;
      let keep = true;
      for (let j = 0; j < count; j++) {
        const w = Math.min(x2, keptBoxes[4 * j + 2]!) - Math.max(x1, keptBoxes[4 * j]!);
        if (w <= 0) continue;
        const h = Math.min(y2, keptBoxes[4 * j + 3]!) - Math.max(y1, keptBoxes[4 * j + 1]!);
        if (h <= 0) continue;
        const inter = w * h;
        if (inter > iouThreshold * (area + keptAreas[j]! - inter)) {
          keep = false;
          break;
        }
      }
      if (keep) {
        keptBoxes[4 * count] = x1;
        keptBoxes[4 * count + 1] = y1;
        keptBoxes[4 * count + 2] = x2;
        keptBoxes[4 * count + 3] = y2;
        keptAreas[count] = area;
        kept[count++] = i;
      }
    }
  };
  visit(first);
  if (count < limit && rest.length > 0) visit(rest.sort(byScore));
  return kept.slice(0, count);
}

/** The k-th smallest value (0-based) of `a` by quickselect (reorders `a`). */
function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
