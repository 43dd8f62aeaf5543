import * as tf from '@tensorflow/tfjs';
import { UserError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { proposalScoreWeights } from './proposal-score-weights.js';

describe('proposalScoreWeights: how proposal scores weight pooled features', () => {
  // image 0: three real proposals (one negative score) of four slots; image 1: one real, best 0.05
  const batch = () => ({
    x: tf.zeros([2, 4, 4, 1]),
    proposalScores: tf.tensor2d([
      [0.2, 0.1, -0.05, 0.3],
      [0.05, 0.7, 0, 0],
    ]),
    biasedProposalScores: tf.tensor2d([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]),
  });
  const mask = () =>
    tf.tensor2d([
      [1, 1, 1, 0],
      [1, 0, 0, 0],
    ]);
  const weights = (mode: 'raw' | 'normalized' | 'none', source = '', regions = 4) =>
    tf.tidy(() =>
      proposalScoreWeights(batch(), source, regions, tf.slice(mask(), [0, 0], [2, regions]), mode, 'test').arraySync(),
    );

  it('raw: the scores as given (the official layer), padding 0', () => {
    const w = weights('raw');
    expect(w[0]![0]).toBeCloseTo(0.2, 6);
    expect(w[0]![2]).toBeCloseTo(-0.05, 6);
    expect(w[0]![3]).toBe(0); // a padded slot, whatever its score
    expect(w[1]).toEqual([expect.closeTo(0.05, 6), 0, 0, 0]);
  });

  it("normalized: ÷ the image's best real score (not a padded one's), clamped to [0, 1]", () => {
    const w = weights('normalized');
    expect(w[0]![0]).toBeCloseTo(1, 6); // 0.2 is image 0's best real score (0.3 is padding)
    expect(w[0]![1]).toBeCloseTo(0.5, 6);
    expect(w[0]![2]).toBe(0);
    expect(w[1]![0]).toBeCloseTo(1, 6); // image 1's only real proposal
    expect(w[1]!.slice(1)).toEqual([0, 0, 0]);
  });

  it('none: 1 per real proposal; a named source and the first R slots; a missing one is a one-line error', () => {
    expect(weights('none')).toEqual([
      [1, 1, 1, 0],
      [1, 0, 0, 0],
    ]);
    expect(weights('raw', 'biased', 2)).toEqual([
      [1, 2],
      [5, 0],
    ]);
    expect(() => weights('raw', 'student')).toThrow(UserError);
    expect(() => weights('raw', 'student')).toThrow(/^test: the batch has no 'studentProposalScores'/);
  });
});
