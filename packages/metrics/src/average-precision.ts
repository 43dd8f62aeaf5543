import { descendingOrder } from './ranking.js';
import { assertNotNaN, assertSameLength, binary } from './validate.js';

/**
 * How tied scores are ranked:
 * - `'stable'` (default): stable sort by descending score, so tied items keep their input order
 *   and each is its own rank (as a loop over a sorted list, e.g. ML-GCN's AveragePrecisionMeter).
 * - `'grouped'`: tied scores form one threshold (as sklearn's average_precision_score): the
 *   precision of the whole tied block is used for every positive in it.
 */
export type TieRule = 'stable' | 'grouped';

export interface AveragePrecisionOptions {
  readonly ties?: TieRule;
}

/**
 * Non-interpolated average precision of one ranked list (one class of a multi-label problem), as
 * sklearn's average_precision_score / VOC-style AP without interpolation:
 *   AP = Σ_n (R_n − R_{n−1}) · P_n
 * over the ranks n (thresholds, for `'grouped'`), with P_n = TP_n / n and R_n = TP_n / #positives;
 * with `'stable'` ties this is the mean of P_n over the ranks of the positives. `targets` are 0 / 1
 * (or booleans). No positives → NaN. NaN scores are an error.
 */
export function averagePrecision(
  scores: ArrayLike<number>,
  targets: ArrayLike<number | boolean>,
  options: AveragePrecisionOptions = {},
): number {
  const what = 'averagePrecision';
  assertSameLength(what, 'scores', scores, 'targets', targets);
  const n = scores.length;
  const t = new Uint8Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    assertNotNaN(what, `scores[${i}]`, scores[i]!);
    t[i] = binary(what, `targets[${i}]`, targets[i]!);
    positives += t[i]!;
  }
  if (positives === 0) return NaN;
  const order = descendingOrder(scores);
  const ties = options.ties ?? 'stable';
  let ap = 0;
  let tp = 0;
  if (ties === 'stable') {
    order.forEach((idx, rank) => {
      if (t[idx] === 1) {
        tp++;
        ap += tp / (rank + 1);
      }
    });
    return ap / positives;
  }
  if (ties !== 'grouped') throw new Error(`${what}: unknown ties rule '${String(ties)}'`);
  let rank = 0;
  while (rank < n) {
    // one block of equal scores = one threshold
    const s = scores[order[rank]!]!;
    let newPositives = 0;
    while (rank < n && scores[order[rank]!] === s) {
      newPositives += t[order[rank]!]!;
      rank++;
    }
    tp += newPositives;
    ap += (newPositives / positives) * (tp / rank);
  }
  return ap;
}
