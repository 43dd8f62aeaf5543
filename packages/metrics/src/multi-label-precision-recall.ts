import { readMatrix, type Matrix } from './matrix.js';
import { assertNotNaN, binary } from './validate.js';

export interface MultiLabelPrfOptions {
  /** a label is predicted iff its score ≥ threshold (default 0.5, for probabilities) */
  readonly threshold?: number;
}

export interface MultiLabelPrf {
  /** per-class precision averaged over all K classes */
  readonly CP: number;
  /** per-class recall averaged over the classes with at least one positive */
  readonly CR: number;
  /** 2·CP·CR / (CP + CR); 0 when CP + CR = 0 */
  readonly CF1: number;
  /** pooled precision Σ TP / Σ predicted; 0 when nothing is predicted */
  readonly OP: number;
  /** pooled recall Σ TP / Σ positives; NaN when there are no positives */
  readonly OR: number;
  /** 2·OP·OR / (OP + OR); 0 when OP + OR = 0 */
  readonly OF1: number;
  /** TP_k / predicted_k; 0 for a class with no predicted positives */
  readonly perClassPrecision: Float64Array;
  /** TP_k / positives_k; NaN for a class with no positives */
  readonly perClassRecall: Float64Array;
  readonly truePositives: Int32Array;
  readonly predicted: Int32Array;
  readonly positives: Int32Array;
}

function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/**
 * The thresholded multi-label metrics of ML-GCN / ASL: per class k, predicted_k = #{i : s_ik ≥ t},
 * TP_k = #{i : s_ik ≥ t, y_ik = 1}, positives_k = #{i : y_ik = 1};
 *   CP = mean_k TP_k / predicted_k,  CR = mean_k TP_k / positives_k,  CF1 = 2·CP·CR / (CP + CR),
 *   OP = Σ TP / Σ predicted,         OR = Σ TP / Σ positives,         OF1 = 2·OP·OR / (OP + OR).
 * A class with no predicted positives has precision 0 (ML-GCN's `Np[Np == 0] = 1`) and still counts
 * in CP; a class with no positives has recall NaN and is left out of CR. See the README for where
 * this differs from the ML-GCN code.
 */
export function multiLabelPrecisionRecall(
  scores: Matrix,
  targets: Matrix,
  options: MultiLabelPrfOptions = {},
): MultiLabelPrf {
  const what = 'multiLabelPrecisionRecall';
  const threshold = options.threshold ?? 0.5;
  assertNotNaN(what, 'threshold', threshold);
  const s = readMatrix(what, 'scores', scores);
  const t = readMatrix(what, 'targets', targets);
  if (s.rows !== t.rows || s.cols !== t.cols) {
    throw new Error(`${what}: scores is ${s.rows} × ${s.cols} but targets is ${t.rows} × ${t.cols}`);
  }
  const K = s.cols;
  const truePositives = new Int32Array(K);
  const predicted = new Int32Array(K);
  const positives = new Int32Array(K);
  for (let i = 0; i < s.rows; i++) {
    for (let k = 0; k < K; k++) {
      const score = s.data[i * K + k]!;
      assertNotNaN(what, `scores[${i}][${k}]`, score);
      const y = binary(what, `targets[${i}][${k}]`, t.data[i * K + k]!);
      const p = score >= threshold ? 1 : 0;
      predicted[k]! += p;
      positives[k]! += y;
      truePositives[k]! += p & y;
    }
  }
  const perClassPrecision = new Float64Array(K);
  const perClassRecall = new Float64Array(K);
  let sumP = 0;
  let sumR = 0;
  let withPositives = 0;
  let tp = 0;
  let pred = 0;
  let pos = 0;
  for (let k = 0; k < K; k++) {
    perClassPrecision[k] = predicted[k] === 0 ? 0 : truePositives[k]! / predicted[k]!;
    perClassRecall[k] = positives[k] === 0 ? NaN : truePositives[k]! / positives[k]!;
    sumP += perClassPrecision[k]!;
    if (positives[k]! > 0) {
      sumR += perClassRecall[k]!;
      withPositives++;
    }
    tp += truePositives[k]!;
    pred += predicted[k]!;
    pos += positives[k]!;
  }
  const CP = sumP / K;
  const CR = sumR / withPositives;
  const OP = pred === 0 ? 0 : tp / pred;
  const OR = tp / pos;
  return {
    CP,
    CR,
    CF1: f1(CP, CR),
    OP,
    OR,
    OF1: f1(OP, OR),
    perClassPrecision,
    perClassRecall,
    truePositives,
    predicted,
    positives,
  };
}
