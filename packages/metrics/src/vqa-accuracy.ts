import { assertIndices } from './validate.js';

/**
 * How a question with several human reference answers is scored:
 * - `'min3'` (default): min(n / 3, 1), n = number of references equal to the prediction.
 * - `'leave-one-out'`: the official VQA evaluation — the mean of min(n_j / 3, 1) over the m subsets
 *   that leave out one reference (10 choose 9 for VQA v2), n_j counted within subset j; needs m ≥ 2.
 */
export type VqaScoring = 'min3' | 'leave-one-out';

export interface VqaAccuracyOptions {
  readonly scoring?: VqaScoring;
}

export interface VqaAccuracyResult {
  /** mean of the per-question scores (NaN for no questions) */
  readonly accuracy: number;
  readonly perQuestion: Float64Array;
}

/**
 * VQA accuracy over a fixed answer vocabulary. `predictions[i]` is the predicted answer id (an
 * integer ≥ 0). `references[i]` is either one answer id — scored 1 if equal, else 0 (plain
 * accuracy) — or the list of human answers (ids; −1 or any other negative id marks an answer
 * outside the vocabulary, which no prediction equals), scored per `options.scoring`.
 */
export function vqaAccuracy(
  predictions: ArrayLike<number>,
  references: ArrayLike<number> | ReadonlyArray<number | ArrayLike<number>>,
  options: VqaAccuracyOptions = {},
): VqaAccuracyResult {
  const what = 'vqaAccuracy';
  const scoring = options.scoring ?? 'min3';
  if (scoring !== 'min3' && scoring !== 'leave-one-out')
    throw new Error(`${what}: unknown scoring '${String(scoring)}'`);
  if (predictions.length !== references.length) {
    throw new Error(
      `${what}: predictions has length ${predictions.length} but references has length ${references.length}`,
    );
  }
  assertIndices(what, 'predictions', predictions, Infinity);
  const perQuestion = new Float64Array(predictions.length);
  let sum = 0;
  for (let i = 0; i < predictions.length; i++) {
    const ref = references[i]!;
    const pred = predictions[i]!;
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref)) throw new Error(`${what}: references[${i}] = ${ref} is not an answer id`);
      perQuestion[i] = ref === pred ? 1 : 0;
    } else {
      const m = ref.length;
      if (m === 0) throw new Error(`${what}: references[${i}] is an empty list`);
      let n = 0;
      for (let j = 0; j < m; j++) {
        if (!Number.isInteger(ref[j]!))
          throw new Error(`${what}: references[${i}][${j}] = ${ref[j]} is not an answer id`);
        if (ref[j] === pred) n++;
      }
      if (scoring === 'min3') {
        perQuestion[i] = Math.min(n / 3, 1);
      } else {
        if (m < 2) throw new Error(`${what}: references[${i}] has 1 answer; 'leave-one-out' needs ≥ 2`);
        // leaving out a matching answer leaves n − 1 matches, a non-matching one leaves n
        perQuestion[i] = (n * Math.min((n - 1) / 3, 1) + (m - n) * Math.min(n / 3, 1)) / m;
      }
    }
    sum += perQuestion[i]!;
  }
  return { accuracy: sum / predictions.length, perQuestion };
}
