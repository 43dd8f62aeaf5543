import { describe, expect, it } from 'vitest';
import { tripleVerificationAccuracy } from './triple-verification.js';

describe('tripleVerificationAccuracy', () => {
  //                   ✓  ✗  ✓  ✗  ✓  ✓
  const predictions = [1, 0, 1, 1, 0, 0];
  const labels = [1, 1, 1, 0, 0, 0];
  const predicates = [0, 0, 1, 1, 2, 2];

  it('overall and per-predicate binary accuracy', () => {
    const r = tripleVerificationAccuracy(predictions, labels, predicates, 4);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(Array.from(r.perPredicate.slice(0, 3))).toEqual([0.5, 0.5, 1]);
    expect(r.perPredicate[3]).toBeNaN(); // no triples with predicate 3
    expect(Array.from(r.countPerPredicate)).toEqual([2, 2, 2, 0]);
  });

  it('accepts booleans', () => {
    const r = tripleVerificationAccuracy(
      predictions.map((p) => p === 1),
      labels.map((l) => l === 1),
      Int32Array.from(predicates),
      3,
    );
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
  });

  it('is NaN without triples and rejects non-binary values and bad predicates', () => {
    expect(tripleVerificationAccuracy([], [], [], 1).accuracy).toBeNaN();
    expect(() => tripleVerificationAccuracy([0.7], [1], [0], 1)).toThrow('predictions[0] = 0.7 is not binary');
    expect(() => tripleVerificationAccuracy([1], [1], [1], 1)).toThrow('predicates[0] = 1 is not an integer in [0, 1)');
    expect(() => tripleVerificationAccuracy([1], [1, 0], [0], 1)).toThrow(
      'predictions has length 1 but labels has length 2',
    );
  });
});
