import { Rng } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { PAIR_REJECTION_PATIENCE, sampleTrainingPairs, type TrainingPair } from './training-pairs.js';

/** Every ordered pair of n objects. */
const allPairs = (n: number) =>
  Array.from({ length: n * n }, (_, k) => ({ subject: Math.floor(k / n), object: k % n })).filter(
    (p) => p.subject !== p.object,
  );

const key = (p: { subject: number; object: number }) => `${p.subject},${p.object}`;

/** An Rng whose int() answers from a script (then from a seeded stream), counting the calls. */
class ScriptedRng extends Rng {
  calls = 0;
  private readonly script: number[];
  constructor(script: readonly number[]) {
    super(1);
    this.script = [...script];
  }
  override int(n: number): number {
    this.calls++;
    const v = this.script.shift();
    if (v === undefined) return super.int(n);
    if (v >= n) throw new Error(`script value ${v} ≥ ${n}`);
    return v;
  }
}

describe('sampleTrainingPairs (RVL-BERT VRD training sampler)', () => {
  it('keeps every annotated pair when there are at most ¾·count, fills with distinct unannotated pairs as background', () => {
    const annotated = [
      { subject: 0, object: 1 },
      { subject: 2, object: 0 },
      { subject: 3, object: 2 },
    ];
    for (let seed = 0; seed < 50; seed++) {
      const drawn = sampleTrainingPairs(annotated, 5, 32, new Rng(seed));
      expect(new Set(drawn.map(key)).size).toBe(drawn.length); // no pair twice
      expect(
        drawn
          .filter((p) => !p.background)
          .map(key)
          .sort(),
      ).toEqual(annotated.map(key).sort());
      for (const p of drawn) {
        expect(p.subject).not.toBe(p.object);
        expect(Math.max(p.subject, p.object)).toBeLessThan(5);
        if (p.background) expect(annotated.map(key)).not.toContain(key(p));
      }
      expect(drawn.length).toBeLessThanOrEqual(20); // 5·4 ordered pairs
    }
  });

  it('draws ⌊3·count/4⌋ annotated pairs without replacement when there are more, each equally often', () => {
    const annotated = allPairs(8); // 56 annotated pairs, 24 of them drawn
    const hits = new Map<string, number>();
    const trials = 2000;
    for (let seed = 0; seed < trials; seed++) {
      const drawn = sampleTrainingPairs(annotated, 8, 32, new Rng(seed));
      const kept = drawn.filter((p) => !p.background);
      expect(kept).toHaveLength(24);
      expect(new Set(drawn.map(key)).size).toBe(drawn.length);
      // as the official code: a background draw is checked against the list only, so annotated pairs
      // left out come back as background
      expect(drawn.length).toBeGreaterThan(24);
      for (const p of kept) hits.set(key(p), (hits.get(key(p)) ?? 0) + 1);
    }
    const expected = (trials * 24) / 56; // ≈ 857; binomial std ≈ 22
    expect(hits.size).toBe(56);
    for (const h of hits.values()) expect(Math.abs(h - expected)).toBeLessThan(5 * 22);
  });

  it('stops after more than 10 rejections in a row, a success resetting the count (the official patience)', () => {
    expect(PAIR_REJECTION_PATIENCE).toBe(10);
    // 2 objects, both pairs annotated: every background draw is rejected; 11 draws (2 ints each), then
    // the shuffle of two entries (1 int)
    const full = new ScriptedRng([]);
    const both = sampleTrainingPairs(allPairs(2), 2, 32, full);
    expect(both.map(key).sort()).toEqual(['0,1', '1,0']);
    expect(full.calls).toBe(11 * 2 + 1);
    // 3 objects, (0,1) annotated: 10 rejections of (0,1), one success (1,0), then (0,1) rejected 11
    // times: the loop stops there although 4 pairs were never drawn
    const reject = [0, 0]; // int(3) = 0 → subject 0; int(2) = 0 → object 0 + 1 = 1
    const script = [...Array(10).fill(reject).flat(), 1, 0, ...Array(11).fill(reject).flat(), 0];
    const rng = new ScriptedRng(script);
    const drawn = sampleTrainingPairs([{ subject: 0, object: 1 }], 3, 32, rng);
    expect(rng.calls).toBe(script.length); // had the count not been reset, it would stop 20 draws earlier
    expect(drawn.map((p) => [key(p), p.background]).sort()).toEqual([
      ['0,1', false],
      ['1,0', true],
    ]);
  });

  it('caps the list at count, adds no background with fewer than two objects, and shuffles', () => {
    const drawn = sampleTrainingPairs([], 10, 32, new Rng(3)); // 90 ordered pairs, none annotated
    expect(drawn).toHaveLength(32);
    expect(drawn.every((p) => p.background)).toBe(true);
    expect(sampleTrainingPairs([], 1, 32, new Rng(3))).toEqual([]);
    expect(sampleTrainingPairs([], 0, 32, new Rng(3))).toEqual([]);
    // the annotated pairs do not stay in front: each lands in each position about equally often
    const first = new Map<boolean, number>();
    for (let seed = 0; seed < 400; seed++) {
      const d: TrainingPair[] = sampleTrainingPairs([{ subject: 0, object: 1 }], 4, 32, new Rng(seed));
      first.set(d[0]!.background, (first.get(d[0]!.background) ?? 0) + 1);
    }
    expect(first.get(false)! / 400).toBeGreaterThan(0.02); // ≈ 1 / (list length ≤ 12)
    expect(first.get(false)! / 400).toBeLessThan(0.2);
    expect(() => sampleTrainingPairs([], 4, 0, new Rng(1))).toThrow(/count must be an integer ≥ 1, got 0/);
  });

  it('is a pure function of the rng state', () => {
    const a = sampleTrainingPairs(allPairs(6).slice(0, 9), 6, 32, new Rng(42));
    const b = sampleTrainingPairs(allPairs(6).slice(0, 9), 6, 32, new Rng(42));
    expect(b).toEqual(a);
    expect(sampleTrainingPairs(allPairs(6).slice(0, 9), 6, 32, new Rng(43))).not.toEqual(a);
  });
});
