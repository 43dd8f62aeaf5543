import { describe, expect, it } from 'vitest';
import { predicateRecallAtK, type PredicateDetectionImage } from './predicate-recall.js';

// Predicates: 0 = background, 1..3 real.
const image1: PredicateDetectionImage = {
  groundTruth: [
    { subject: 0, object: 1, predicate: 2 },
    { subject: 1, object: 2, predicate: 1 },
    { subject: 0, object: 2, predicate: 3 },
  ],
  candidates: [
    // background is the largest score but is ignored: predicate 2 (0.6) → matches (0, 1, 2)
    { subject: 0, object: 1, scores: [0.9, 0.05, 0.6, 0.1] },
    // tie between predicates 1 and 2 → the lower index, 1 (confidence 0.3) → matches (1, 2, 1)
    { subject: 1, object: 2, scores: [0, 0.3, 0.3, 0.1] },
    // predicate 3 (0.7) → matches (0, 2, 3)
    { subject: 0, object: 2, scores: [0, 0.2, 0.1, 0.7] },
    // the reversed pair (2, 0) is a different pair: predicate 1 (0.8) matches nothing
    { subject: 2, object: 0, scores: [0, 0.8, 0, 0] },
  ],
};
// ranking in image 1: (2,0) 0.8 ✗, (0,2) 0.7 ✓, (0,1) 0.6 ✓, (1,2) 0.3 ✓

const image2: PredicateDetectionImage = {
  groundTruth: [
    { subject: 0, object: 1, predicate: 1 },
    { subject: 0, object: 1, predicate: 1 }, // duplicate annotation: one prediction matches one of them
    { subject: 1, object: 0, predicate: 2 },
  ],
  candidates: [
    { subject: 0, object: 1, scores: [0, 0.9, 0.1] }, // predicate 1 → matches one duplicate
    { subject: 1, object: 0, scores: [0, 0.5, 0.5] }, // tie → predicate 1 ≠ 2 → no match
  ],
};

const image3: PredicateDetectionImage = {
  groundTruth: [],
  candidates: [{ subject: 0, object: 1, scores: [0, 1] }],
};

describe('predicateRecallAtK', () => {
  it('ranks the arg-max non-background predicate of each pair and counts matched triples per K', () => {
    const r = predicateRecallAtK([image1, image2, image3], [1, 2, 3, 50]);
    expect(r.total).toBe(6);
    // K=1: 0 + 1, K=2: 1 + 1, K=3: 2 + 1, K=50: 3 + 1
    expect(r.matched).toEqual({ 1: 1, 2: 2, 3: 3, 50: 4 });
    expect(r.recall[1]).toBeCloseTo(1 / 6, 12);
    expect(r.recall[2]).toBeCloseTo(2 / 6, 12);
    expect(r.recall[3]).toBeCloseTo(3 / 6, 12);
    expect(r.recall[50]).toBeCloseTo(4 / 6, 12);
  });

  it('per predicate: its triples and the matched ones at each K (hand-counted from the images above)', () => {
    const r = predicateRecallAtK([image1, image2, image3], [1, 3, 50]);
    // predicate 1: (1,2,1) of image 1 (rank 4: K ≥ 4), image 2's two duplicates (one matched at rank 1)
    expect(r.perPredicate.get(1)).toEqual({
      total: 3,
      matched: { 1: 1, 3: 1, 50: 2 },
      recall: { 1: 1 / 3, 3: 1 / 3, 50: 2 / 3 },
    });
    // predicate 2: (0,1,2) of image 1 (rank 3), (1,0,2) of image 2 (never)
    expect(r.perPredicate.get(2)).toEqual({
      total: 2,
      matched: { 1: 0, 3: 1, 50: 1 },
      recall: { 1: 0, 3: 0.5, 50: 0.5 },
    });
    // predicate 3: (0,2,3) of image 1 (rank 2)
    expect(r.perPredicate.get(3)).toEqual({ total: 1, matched: { 1: 0, 3: 1, 50: 1 }, recall: { 1: 0, 3: 1, 50: 1 } });
    expect([...r.perPredicate.keys()].sort()).toEqual([1, 2, 3]);
  });

  it('defaults to K = 50 and 100', () => {
    const r = predicateRecallAtK([image1, image2]);
    expect(Object.keys(r.recall).map(Number)).toEqual([50, 100]);
    expect(r.recall[50]).toBeCloseTo(4 / 6, 12);
    expect(r.recall[100]).toBeCloseTo(4 / 6, 12);
  });

  it('sums over images (micro), not the mean of per-image recalls', () => {
    const hit: PredicateDetectionImage = {
      groundTruth: [{ subject: 0, object: 1, predicate: 1 }],
      candidates: [{ subject: 0, object: 1, scores: [0, 1] }],
    };
    const miss: PredicateDetectionImage = {
      groundTruth: [
        { subject: 0, object: 1, predicate: 1 },
        { subject: 1, object: 2, predicate: 1 },
        { subject: 2, object: 3, predicate: 1 },
      ],
      candidates: [],
    };
    // 1 / 4 (the per-image mean would be (1 + 0) / 2)
    expect(predicateRecallAtK([hit, miss], [50]).recall[50]).toBe(0.25);
  });

  it('equal confidences at the K cut keep the candidates’ order', () => {
    const gt = [{ subject: 0, object: 1, predicate: 1 }];
    const right = { subject: 0, object: 1, scores: [0, 0.5] };
    const wrong = { subject: 2, object: 0, scores: [0, 0.5] };
    expect(predicateRecallAtK([{ groundTruth: gt, candidates: [wrong, right] }], [1]).matched[1]).toBe(0);
    expect(predicateRecallAtK([{ groundTruth: gt, candidates: [right, wrong] }], [1]).matched[1]).toBe(1);
  });

  it('is NaN without ground truth', () => {
    expect(predicateRecallAtK([image3]).recall[50]).toBeNaN();
  });

  it('validates its inputs', () => {
    expect(() => predicateRecallAtK([image1], [0])).toThrow('ks[0] must be an integer ≥ 1');
    expect(() => predicateRecallAtK([image1], [])).toThrow('ks is empty');
    expect(() =>
      predicateRecallAtK([{ groundTruth: [{ subject: 0, object: 1, predicate: 0 }], candidates: [] }]),
    ).toThrow('image 0 groundTruth[0].predicate must be an integer ≥ 1');
    expect(() =>
      predicateRecallAtK([{ groundTruth: [], candidates: [{ subject: 0, object: 1, scores: [1] }] }]),
    ).toThrow('candidates[0].scores has 1 values');
    expect(() =>
      predicateRecallAtK([{ groundTruth: [], candidates: [{ subject: 0, object: 1, scores: [0, NaN] }] }]),
    ).toThrow('candidates[0].scores[1] is NaN');
  });
});
