import { readMatrix, type Matrix } from './matrix.js';
import { assertNotNaN } from './validate.js';

/**
 * The predicted class of each row of a score matrix [N, K] (logits or probabilities): the index of
 * its largest value. Ties go to the lowest index (as numpy / torch argmax). NaN scores are an error.
 */
export function argmaxRows(scores: Matrix): Int32Array {
  const m = readMatrix('argmaxRows', 'scores', scores);
  if (m.rows > 0 && m.cols === 0) throw new Error('argmaxRows: scores has rows but no columns');
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j]!;
      assertNotNaN('argmaxRows', `scores[${i}][${j}]`, v);
      if (j === 0 || v > bestValue) {
        best = j;
        bestValue = v;
      }
    }
    out[i] = best;
  }
  return out;
}
