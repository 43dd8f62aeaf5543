import { describe, expect, it } from 'vitest';
import { COUNT_WORDS, answerVocabulary } from './answer-vocabulary.js';

describe('answerVocabulary', () => {
  it('lists no, yes, nothing, the counts 0…max as words, then the class names', () => {
    const v = answerVocabulary(['0', '1', '2'], 4);
    expect(v.answers).toEqual(['no', 'yes', 'nothing', 'zero', 'one', 'two', 'three', 'four', '0', '1', '2']);
    expect(v.ids.get('yes')).toBe(1);
    expect(v.ids.get('2')).toBe(3 + 5 + 2);
    expect(COUNT_WORDS[20]).toBe('twenty');
  });

  it('rejects clashing class names and counts it cannot name', () => {
    expect(() => answerVocabulary(['cat', 'yes'], 3)).toThrow(/'yes' clashes/);
    expect(() => answerVocabulary(['one'], 3)).toThrow(/'one' clashes/);
    expect(() => answerVocabulary(['a'], 21)).toThrow(/maxCount/);
  });
});
