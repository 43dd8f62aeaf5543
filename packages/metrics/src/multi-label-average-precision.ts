import { averagePrecision, type AveragePrecisionOptions } from './average-precision.js';
import { readMatrix, type Matrix } from './matrix.js';

export interface MultiLabelApResult {
  /** AP of each class; NaN for a class without positives */
  readonly perClass: Float64Array;
  /** mean of the per-class APs over the classes with at least one positive; NaN if none has */
  readonly mAP: number;
  /** number of positives of each class */
  readonly positives: Int32Array;
}

/**
 * Per-class average precision and mAP for multi-label classification: `scores` and `targets` are
 * [N, K] (targets 0 / 1); column k is ranked by score and scored with `averagePrecision`.
 * Classes without positives get NaN and are left out of the mean.
 */
export function multiLabelAveragePrecision(
  scores: Matrix,
  targets: Matrix,
  options: AveragePrecisionOptions = {},
): MultiLabelApResult {
  const what = 'multiLabelAveragePrecision';
  const s = readMatrix(what, 'scores', scores);
  const t = readMatrix(what, 'targets', targets);
  if (s.rows !== t.rows || s.cols !== t.cols) {
    throw new Error(`${what}: scores is ${s.rows} × ${s.cols} but targets is ${t.rows} × ${t.cols}`);
  }
  const perClass = new Float64Array(s.cols);
  const positives = new Int32Array(s.cols);
  const colScores = new Float64Array(s.rows);
  const colTargets = new Float64Array(s.rows);
  let sum = 0;
  let counted = 0;
  for (let k = 0; k < s.cols; k++) {
    for (let i = 0; i < s.rows; i++) {
      colScores[i] = s.data[i * s.cols + k]!;
      colTargets[i] = t.data[i * t.cols + k]!;
      if (colTargets[i] === 1) positives[k]!++;
    }
    try {
      perClass[k] = averagePrecision(colScores, colTargets, options);
    } catch (e) {
      throw new Error(`${what}: class ${k}: ${(e as Error).message}`);
    }
    if (!Number.isNaN(perClass[k]!)) {
      sum += perClass[k]!;
      counted++;
    }
  }
  return { perClass, mAP: sum / counted, positives };
}
