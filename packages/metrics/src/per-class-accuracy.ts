import { assertIndices, assertInteger, assertSameLength } from './validate.js';

/**
 * Per-class accuracy (per-class recall): for each class c, the fraction of the samples whose true
 * class is c that are predicted as c,
 *   acc_c = #{i : labels[i] = c, predictions[i] = c} / #{i : labels[i] = c}.
 * A class with no samples has acc_c = NaN (0/0: undefined, not 0). Returns `numClasses` values.
 */
export function perClassAccuracy(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): Float64Array {
  const what = 'perClassAccuracy';
  assertInteger(what, 'numClasses', numClasses, 1);
  assertSameLength(what, 'predictions', predictions, 'labels', labels);
  assertIndices(what, 'labels', labels, numClasses);
  assertIndices(what, 'predictions', predictions, numClasses);
  const correct = new Float64Array(numClasses);
  const count = new Float64Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    count[c]!++;
    if (predictions[i] === c) correct[c]!++;
  }
  return correct.map((k, c) => k / count[c]!); // 0/0 = NaN for empty classes
}

/**
 * Mean per-class accuracy (balanced accuracy): the mean of `perClassAccuracy` over the classes that
 * have samples (NaN entries are skipped). NaN when no class has a sample.
 */
export function meanPerClassAccuracy(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): number {
  const perClass = perClassAccuracy(predictions, labels, numClasses);
  let sum = 0;
  let n = 0;
  for (const a of perClass) {
    if (!Number.isNaN(a)) {
      sum += a;
      n++;
    }
  }
  return sum / n;
}
