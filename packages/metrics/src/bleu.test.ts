import { describe, expect, it } from 'vitest';
import { corpusBleu } from './bleu.js';

describe('corpusBleu', () => {
  it('hand-computed BLEU-4 of one candidate with two references', () => {
    // candidate  "the cat sat on the mat"        (6 tokens after lower-casing / dropping '.')
    // references "the cat sat on a mat"          (6)
    //            "a cat is on the mat today"     (7)
    // 1-grams: the×2 (max in one reference: 1 → clipped to 1), cat, sat, on, mat  → p1 = 5/6
    // 2-grams: the cat, cat sat, sat on (ref 1), on the, the mat (ref 2)          → p2 = 5/5
    // 3-grams: the cat sat ✓, cat sat on ✓, sat on the ✗, on the mat ✓            → p3 = 3/4
    // 4-grams: the cat sat on ✓, cat sat on the ✗, sat on the mat ✗               → p4 = 1/3
    // closest reference length: 6 (|6 − 6| = 0) → c = r = 6 → BP = 1
    // BLEU-4 = (5/6 · 1 · 3/4 · 1/3)^(1/4) = (5/24)^(1/4) ≈ 0.675600
    const r = corpusBleu(['The cat sat on the mat.'], [['the cat sat on a mat', 'A cat is on the mat today!']]);
    expect(r.matches).toEqual([5, 5, 3, 1]);
    expect(r.totals).toEqual([6, 5, 4, 3]);
    expect(r.precisions[0]).toBeCloseTo(5 / 6, 12);
    expect(r.precisions[3]).toBeCloseTo(1 / 3, 12);
    expect([r.candidateLength, r.referenceLength, r.brevityPenalty]).toEqual([6, 6, 1]);
    expect(r.bleu).toBeCloseTo((5 / 24) ** 0.25, 12);
    expect(r.bleu).toBeCloseTo(0.6756, 4);
    // cumulative BLEU-1 … BLEU-4
    expect(r.cumulative[0]).toBeCloseTo(5 / 6, 12);
    expect(r.cumulative[1]).toBeCloseTo(Math.sqrt(5 / 6), 12);
    expect(r.cumulative[2]).toBeCloseTo((((5 / 6) * 3) / 4) ** (1 / 3), 12);
  });

  it('brevity penalty exp(1 − r/c) for a short candidate (BLEU-2)', () => {
    // c = 2, r = 6, p1 = 2/2, p2 = 1/1 → BLEU-2 = exp(1 − 6/2) = e^−2
    const r = corpusBleu(['the cat'], [['the cat sat on the mat']], { maxN: 2 });
    expect(r.brevityPenalty).toBeCloseTo(Math.exp(-2), 12);
    expect(r.bleu).toBeCloseTo(Math.exp(-2), 12);
  });

  it('clips a repeated word by its largest count in any single reference', () => {
    // "the" ×4; reference 1 has it once, reference 2 twice → 2 matches of 4 (not 3 = 1 + 2, not 1)
    // lengths 2 and 3: closest to c = 4 is 3 → c > r → BP = 1
    const r = corpusBleu(['the the the the'], [['the cat', 'the the dog']], { maxN: 1 });
    expect(r.matches).toEqual([2]);
    expect(r.bleu).toBe(0.5);
  });

  it('uses the closest reference length, the shorter one on a tie', () => {
    // c = 5, references of length 4 and 6 are equally close → r = 4 → c > r → BP = 1 (r = 6 would give exp(1 − 6/5))
    expect(corpusBleu(['a b c d e'], [['a b c d', 'a b c d e f']], { maxN: 1 }).brevityPenalty).toBe(1);
    expect(corpusBleu(['a b c d e'], [['a b c d e f', 'a b c d']], { maxN: 1 }).referenceLength).toBe(4);
    // c = 3, lengths 1 and 4 → 4 is closer (not the shortest, not the average 2.5) → BP = exp(1 − 4/3)
    const r = corpusBleu(['a b c'], [['a', 'a b c d']], { maxN: 1 });
    expect(r.referenceLength).toBe(4);
    expect(r.bleu).toBeCloseTo(Math.exp(-1 / 3), 12);
  });

  it('pools n-gram statistics over the corpus (not the mean of sentence scores)', () => {
    // image 1: 2/2 unigrams match; image 2: 2/4 → p1 = 4/6; c = r = 6 → BLEU-1 = 2/3 (sentence mean: 0.75)
    const r = corpusBleu(['a b', 'c d e f'], [['a b'], ['c x e y']], { maxN: 1 });
    expect(r.bleu).toBeCloseTo(2 / 3, 12);
  });

  it('is 0 when some order has no match; pycocoevalcap’s guards give a tiny positive value instead', () => {
    const exact = corpusBleu(['a b c d e'], [['a b c x d e']]);
    expect(exact.matches[3]).toBe(0);
    expect(exact.bleu).toBe(0);
    const coco = corpusBleu(['a b c d e'], [['a b c x d e']], { epsilon: 'pycocoevalcap' });
    expect(coco.bleu).toBeGreaterThan(0);
    expect(coco.bleu).toBeLessThan(1e-3);
  });

  it('an empty candidate corpus scores 0', () => {
    const r = corpusBleu(['...'], [['a cat']]);
    expect([r.bleu, r.brevityPenalty, r.candidateLength]).toEqual([0, 0, 0]);
  });

  it('takes pre-tokenised captions and a custom tokeniser', () => {
    const fromStrings = corpusBleu(['The cat sat on the mat.'], [['the cat sat on a mat']]);
    const fromTokens = corpusBleu(
      [['the', 'cat', 'sat', 'on', 'the', 'mat']],
      [[['the', 'cat', 'sat', 'on', 'a', 'mat']]],
    );
    expect(fromTokens.bleu).toBe(fromStrings.bleu);
    const chars = corpusBleu(['abc'], [['abd']], { maxN: 1, tokenize: (s) => s.split('') });
    expect(chars.bleu).toBeCloseTo(2 / 3, 12);
  });

  it('validates its inputs', () => {
    expect(() => corpusBleu(['a'], [['a'], ['b']])).toThrow('corpusBleu: 1 candidates but 2 reference sets');
    expect(() => corpusBleu(['a'], [[]])).toThrow('image 0 has no reference captions');
    expect(() => corpusBleu(['a'], [['a']], { maxN: 0 })).toThrow('maxN must be an integer ≥ 1');
    expect(() => corpusBleu(['a'], [['a']], { epsilon: 'smooth' as never })).toThrow("unknown epsilon 'smooth'");
  });
});
