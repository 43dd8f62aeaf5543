import { describe, expect, it } from 'vitest';
import { vqaAccuracy } from './vqa-accuracy.js';

/** Ten human answers of which `n` equal answer 5 (the rest are 7). */
const humans = (n: number) => [...Array<number>(n).fill(5), ...Array<number>(10 - n).fill(7)];

describe('vqaAccuracy', () => {
  it('one reference answer per question: plain accuracy', () => {
    const r = vqaAccuracy([3, 1, 2], [3, 2, 2]);
    expect(Array.from(r.perQuestion)).toEqual([1, 0, 1]);
    expect(r.accuracy).toBeCloseTo(2 / 3, 12);
    expect(vqaAccuracy(Int32Array.of(4), Int32Array.of(4)).accuracy).toBe(1);
  });

  it('several human answers: min(#matching / 3, 1)', () => {
    const r = vqaAccuracy([5, 5, 5, 5, 5], [0, 1, 2, 3, 4].map(humans));
    expect(r.perQuestion[0]).toBe(0);
    expect(r.perQuestion[1]).toBeCloseTo(1 / 3, 12);
    expect(r.perQuestion[2]).toBeCloseTo(2 / 3, 12);
    expect(r.perQuestion[3]).toBe(1);
    expect(r.perQuestion[4]).toBe(1);
    expect(r.accuracy).toBeCloseTo((0 + 1 / 3 + 2 / 3 + 1 + 1) / 5, 12);
  });

  it("'leave-one-out': the official mean over the 10 choose 9 subsets", () => {
    const r = vqaAccuracy([5, 5, 5, 5, 5], [0, 1, 2, 3, 4].map(humans), { scoring: 'leave-one-out' });
    // n = 3: dropping one of the 3 matches (3 subsets) leaves 2 → 2/3; dropping another (7) leaves 3 → 1
    //   (3 · 2/3 + 7 · 1) / 10 = 0.9.   n = 1: 9 · 1/3 / 10 = 0.3.   n = 2: (2 · 1/3 + 8 · 2/3) / 10 = 0.6
    const expected = [0, 0.3, 0.6, 0.9, 1];
    expected.forEach((e, i) => expect(r.perQuestion[i]).toBeCloseTo(e, 12));
  });

  it('mixes single answers and answer lists; negative ids never match', () => {
    const r = vqaAccuracy([4, 1, 0], [4, [4, 4, 1], [-1, -1, -1]]);
    expect(Array.from(r.perQuestion)).toEqual([1, 1 / 3, 0]);
  });

  it('is NaN without questions and validates its inputs', () => {
    expect(vqaAccuracy([], []).accuracy).toBeNaN();
    expect(() => vqaAccuracy([1, 2], [1])).toThrow('predictions has length 2 but references has length 1');
    expect(() => vqaAccuracy([-1], [1])).toThrow('predictions[0] = -1 is not an integer');
    expect(() => vqaAccuracy([1], [[]])).toThrow('references[0] is an empty list');
    expect(() => vqaAccuracy([1], [[1.5]])).toThrow('references[0][0] = 1.5 is not an answer id');
    expect(() => vqaAccuracy([1], [[1]], { scoring: 'leave-one-out' })).toThrow("'leave-one-out' needs ≥ 2");
    expect(() => vqaAccuracy([1], [1], { scoring: 'soft' as never })).toThrow("unknown scoring 'soft'");
  });
});
