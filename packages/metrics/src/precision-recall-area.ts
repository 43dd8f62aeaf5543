/**
 * How the area under a precision–recall curve is taken:
 * - `'all-point'` (default; PASCAL VOC 2010+): the precision envelope (p̂(r) = max of the precision
 *   at any recall ≥ r) integrated exactly over the recall steps,
 *     AP = Σ_i (r_i − r_{i−1}) · p̂(r_i)   (r_0 = 0).
 * - `'101-point'` (the COCO API): the mean of p̂ at recalls 0, 0.01, …, 1 (i/100), where p̂ at r is
 *   the envelope at the first rank whose recall ≥ r, and 0 if recall never reaches r.
 * - `'11-point'` (VOC 2007): the mean over r = 0, 0.1, …, 1 (i/10) of the maximum precision at
 *   recall ≥ r (0 if none).
 */
export type ApInterpolation = 'all-point' | '101-point' | '11-point';

/**
 * Area under a precision–recall curve given at each rank of a ranked list (recall non-decreasing,
 * e.g. recall_n = TP_n / #GT and precision_n = TP_n / n after n detections), per `interpolation`.
 * An empty curve has AP 0.
 */
export function precisionRecallArea(
  recall: ArrayLike<number>,
  precision: ArrayLike<number>,
  interpolation: ApInterpolation = 'all-point',
): number {
  const what = 'precisionRecallArea';
  if (recall.length !== precision.length) {
    throw new Error(`${what}: recall has length ${recall.length} but precision has length ${precision.length}`);
  }
  const n = recall.length;
  for (let i = 0; i < n; i++) {
    if (!(recall[i]! >= 0 && recall[i]! <= 1) || !(precision[i]! >= 0 && precision[i]! <= 1)) {
      throw new Error(`${what}: recall[${i}] = ${recall[i]} and precision[${i}] = ${precision[i]} must lie in [0, 1]`);
    }
    if (i > 0 && recall[i]! < recall[i - 1]!) throw new Error(`${what}: recall decreases at index ${i}`);
  }
  // envelope[i] = max_{j ≥ i} precision[j]
  const envelope = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) envelope[i] = Math.max(precision[i]!, i + 1 < n ? envelope[i + 1]! : 0);
  switch (interpolation) {
    case 'all-point': {
      let ap = 0;
      let previous = 0;
      for (let i = 0; i < n; i++) {
        ap += (recall[i]! - previous) * envelope[i]!;
        previous = recall[i]!;
      }
      return ap;
    }
    case '101-point':
    case '11-point': {
      const steps = interpolation === '101-point' ? 100 : 10;
      let sum = 0;
      let i = 0;
      for (let k = 0; k <= steps; k++) {
        const r = k / steps;
        while (i < n && recall[i]! < r) i++; // first rank with recall ≥ r
        if (i < n) sum += envelope[i]!;
      }
      return sum / (steps + 1);
    }
    default:
      throw new Error(`${what}: unknown interpolation '${String(interpolation)}'`);
  }
}
