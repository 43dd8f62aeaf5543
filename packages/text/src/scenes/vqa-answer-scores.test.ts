import { describe, expect, it } from 'vitest';
import { vqaAnswerScores } from './vqa-answer-scores.js';

describe('vqaAnswerScores', () => {
  it('one true answer: 1 there, 0 elsewhere', () => {
    expect(Array.from(vqaAnswerScores(2, 4))).toEqual([0, 0, 1, 0]);
  });

  it('human answers: min(n/3, 1) per answer; answers outside the vocabulary (negative ids) score nowhere', () => {
    const s = vqaAnswerScores([1, 1, 1, 1, 0, 0, 3, -1, -1, -1], 4);
    expect(Array.from(s)).toEqual([Math.fround(2 / 3), 1, 0, Math.fround(1 / 3)]);
  });

  it('refuses ids outside the vocabulary and empty lists', () => {
    expect(() => vqaAnswerScores(4, 4)).toThrow(/outside \[0, 4\)/);
    expect(() => vqaAnswerScores(-1, 4)).toThrow(/must be in the vocabulary/);
    expect(() => vqaAnswerScores([], 4)).toThrow(/no reference answers/);
  });
});
