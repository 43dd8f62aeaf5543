import { assertIndices, assertInteger, assertSameLength, binary } from './validate.js';

export interface TripleVerificationResult {
  /** correct / N over all triples (NaN for no triples) */
  readonly accuracy: number;
  /** accuracy over the triples of each predicate (NaN for a predicate without triples) */
  readonly perPredicate: Float64Array;
  readonly countPerPredicate: Int32Array;
}

/**
 * Binary accuracy of relationship-triple verification (SpatialSense: does "subject predicate
 * object" hold in the image?). `predictions` and `labels` are 0 / 1 (or booleans) — threshold
 * scores first; `predicates[i]` ∈ [0, numPredicates) is the predicate of triple i.
 *   accuracy = #{i : prediction_i = label_i} / N,   accuracy_p = the same over the triples of p.
 */
export function tripleVerificationAccuracy(
  predictions: ArrayLike<number | boolean>,
  labels: ArrayLike<number | boolean>,
  predicates: ArrayLike<number>,
  numPredicates: number,
): TripleVerificationResult {
  const what = 'tripleVerificationAccuracy';
  assertInteger(what, 'numPredicates', numPredicates, 1);
  assertSameLength(what, 'predictions', predictions, 'labels', labels);
  assertSameLength(what, 'predictions', predictions, 'predicates', predicates);
  assertIndices(what, 'predicates', predicates, numPredicates);
  const correct = new Float64Array(numPredicates);
  const countPerPredicate = new Int32Array(numPredicates);
  let allCorrect = 0;
  for (let i = 0; i < labels.length; i++) {
    const ok = binary(what, `predictions[${i}]`, predictions[i]!) === binary(what, `labels[${i}]`, labels[i]!);
    const p = predicates[i]!;
    countPerPredicate[p]!++;
    if (ok) {
      correct[p]!++;
      allCorrect++;
    }
  }
  return {
    accuracy: allCorrect / labels.length,
    perPredicate: correct.map((c, p) => c / countPerPredicate[p]!),
    countPerPredicate,
  };
}
