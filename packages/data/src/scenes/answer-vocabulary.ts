/** Count answers, index = count (counts above twenty are not asked). */
export const COUNT_WORDS = Object.freeze([
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
]);

/** The answer to "what is …?" when no object is there. */
export const NOTHING_ANSWER = 'nothing';

/** A fixed list of answers and its inverse (answer id = position in `answers`). */
export interface AnswerVocabulary {
  readonly answers: readonly string[];
  readonly ids: ReadonlyMap<string, number>;
}

/**
 * The answer vocabulary of scenes over `classNames` with at most `maxCount` objects:
 * ['no', 'yes', 'nothing', 'zero', …, COUNT_WORDS[maxCount], ...classNames] — ids 0 and 1 are
 * no/yes, 2 is 'nothing', counts start at 3, class c is 3 + maxCount + 1 + c. Counts are words, so
 * digit class names ('0'…'9') do not collide with them; any other clash throws.
 */
export function answerVocabulary(classNames: readonly string[], maxCount: number): AnswerVocabulary {
  if (!Number.isInteger(maxCount) || maxCount < 0 || maxCount >= COUNT_WORDS.length) {
    throw new RangeError(
      `answer vocabulary: maxCount must be an integer in [0, ${COUNT_WORDS.length - 1}], got ${maxCount}`,
    );
  }
  const answers = Object.freeze(['no', 'yes', NOTHING_ANSWER, ...COUNT_WORDS.slice(0, maxCount + 1), ...classNames]);
  const ids = new Map<string, number>();
  answers.forEach((a, i) => {
    if (ids.has(a)) throw new Error(`answer vocabulary: class name '${a}' clashes with another answer`);
    ids.set(a, i);
  });
  return { answers, ids };
}
