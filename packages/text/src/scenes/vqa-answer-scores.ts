/**
 * The VQA soft target of one question over an answer vocabulary of `numAnswers` answers: entry a is the
 * VQA accuracy the answer a would get as the prediction, so the training target and the metric agree.
 *
 * - `reference` a single answer id (a synthetic question with one true answer): 1 for that answer, 0
 *   elsewhere;
 * - `reference` the list of human answers (VQA v2 has ten per question; negative ids are answers outside
 *   the vocabulary): min(n_a / 3, 1), n_a = how many humans gave answer a — the soft score of the
 *   bottom-up-top-down / VisualBERT / Oscar VQA heads (they round it to 0.3, 0.6, 0.9 for one, two,
 *   three humans; this is the exact form that `vqaAccuracy`'s 'min3' scoring uses).
 */
export function vqaAnswerScores(reference: number | readonly number[], numAnswers: number): Float32Array {
  const scores = new Float32Array(numAnswers);
  const check = (id: number) => {
    if (!Number.isInteger(id) || id >= numAnswers)
      throw new RangeError(`vqaAnswerScores: answer id ${id} outside [0, ${numAnswers})`);
  };
  if (typeof reference === 'number') {
    check(reference);
    if (reference < 0)
      throw new RangeError(`vqaAnswerScores: a single reference answer must be in the vocabulary, got ${reference}`);
    scores[reference] = 1;
    return scores;
  }
  if (reference.length === 0) throw new RangeError('vqaAnswerScores: no reference answers');
  const counts = new Map<number, number>();
  for (const id of reference) {
    check(id);
    if (id >= 0) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const [id, n] of counts) scores[id] = Math.min(n / 3, 1);
  return scores;
}
