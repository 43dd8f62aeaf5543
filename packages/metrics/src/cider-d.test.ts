import { describe, expect, it } from 'vitest';
import { ciderD } from './cider-d.js';

describe('ciderD', () => {
  it('perfect two-word captions: cosine 1 for n = 1, 2 and 0 for n = 3, 4 → 10 · 2/4 = 5', () => {
    const r = ciderD(['a b', 'c d'], [['a b'], ['c d']]);
    expect(Array.from(r.perImage)).toEqual([5, 5]);
    expect(r.score).toBe(5);
  });

  it('an n-gram in every image’s references has idf 0 and carries no weight', () => {
    // "x" is in both reference sets: df = 2 → idf = log 2 − log 2 = 0. Image 1 then shares nothing
    // that has weight with its reference ("x a" vs "x c") → 0; image 2 is perfect up to bigrams → 5.
    const r = ciderD(['x a', 'x b'], [['x c'], ['x b']]);
    expect(r.perImage[0]).toBe(0);
    expect(r.perImage[1]).toBeCloseTo(5, 12);
    expect(r.score).toBeCloseTo(2.5, 12);
  });

  it('clips candidate weights by the reference weights', () => {
    // image 1: candidate unigrams {a: 2L}, reference {a: L, b: L}
    //   n = 1: min(2L, L) · L / (‖(2L)‖ · ‖(L, L)‖) = L² / (2L · √2 L) = 1 / (2√2)   (unclipped: 1/√2)
    //   n = 2: "a a" vs "a b" → 0; lengths equal → no penalty
    // image 2: "c" vs "c" → n = 1 only → 10 / 4
    const r = ciderD(['a a', 'c'], [['a b'], ['c']]);
    expect(r.perImage[0]).toBeCloseTo((10 * (1 / (2 * Math.SQRT2))) / 4, 12);
    expect(r.perImage[1]).toBeCloseTo(2.5, 12);
  });

  it('applies the Gaussian length penalty exp(−δ² / 2σ²)', () => {
    // candidate "p q" vs reference "p q r s t u v w" (every idf = L, δ = 1 − 7 bigrams = −6):
    //   n = 1: 2L² / (√2 L · √8 L) = 1/2;   n = 2: L² / (L · √7 L) = 1/√7;   n = 3, 4: 0
    const expected = (sigma: number) => (10 * (0.5 + 1 / Math.sqrt(7)) * Math.exp(-36 / (2 * sigma * sigma))) / 4;
    const cands = ['p q', 'z'];
    const refs = [['p q r s t u v w'], ['z']];
    expect(ciderD(cands, refs).perImage[0]).toBeCloseTo(expected(6), 12);
    expect(ciderD(cands, refs, { sigma: 3 }).perImage[0]).toBeCloseTo(expected(3), 12);
  });

  it('averages over the references of an image', () => {
    // image 1 has one perfect and one unrelated reference → (5 + 0) / 2
    const r = ciderD(['a b', 'c d'], [['a b', 'e f'], ['c d']]);
    expect(r.perImage[0]).toBeCloseTo(2.5, 12);
  });

  it('is 0 for a single image (every reference n-gram has df = 1 = #images) and for an empty candidate', () => {
    expect(ciderD(['a b c'], [['a b c']]).score).toBe(0);
    expect(ciderD(['...', 'c d'], [['a b'], ['c d']]).perImage[0]).toBe(0);
  });

  it('tokenises strings: case and punctuation do not matter', () => {
    const a = ciderD(['A man, riding!', 'Two dogs.'], [['a man riding a horse'], ['two dogs play']]);
    const b = ciderD(
      [
        ['a', 'man', 'riding'],
        ['two', 'dogs'],
      ],
      [[['a', 'man', 'riding', 'a', 'horse']], [['two', 'dogs', 'play']]],
    );
    expect(a.score).toBe(b.score);
    expect(a.score).toBeGreaterThan(0);
  });

  it('validates its inputs', () => {
    expect(() => ciderD(['a'], [])).toThrow('ciderD: 1 candidates but 0 reference sets');
    expect(() => ciderD(['a', 'b'], [['a'], []])).toThrow('image 1 has no reference captions');
    expect(() => ciderD(['a'], [['a']], { sigma: 0 })).toThrow('sigma must be a finite number > 0');
  });
});
