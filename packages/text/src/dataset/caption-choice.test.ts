import { describe, expect, it } from 'vitest';
import { captionPositions, chooseCaption, chooseCaptionPosition } from './caption-choice.js';

const captions = { general: ['g0'], targeted: ['t1', 't2', 't3', 't4'] };

describe('chooseCaption', () => {
  it('is deterministic per (seed, index) and draws from general and targeted captions', () => {
    const all = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const c = chooseCaption(captions, seed, 3);
      expect(c).toBe(chooseCaption(captions, seed, 3));
      all.add(c);
    }
    expect([...all].sort()).toEqual(['g0', 't1', 't2', 't3', 't4']);
  });

  it('varies with the index for one seed', () => {
    const chosen = new Set(Array.from({ length: 40 }, (_, i) => chooseCaption(captions, 0, i)));
    expect(chosen.size).toBeGreaterThan(1);
  });

  it('returns a lone caption and rejects a sample without captions', () => {
    expect(chooseCaption({ general: [], targeted: ['only'] }, 9, 0)).toBe('only');
    expect(() => chooseCaption({ general: [], targeted: [] }, 0, 5)).toThrow(/sample 5 has no captions/);
  });
});

describe('caption kinds', () => {
  it('general draws only the general answers, targeted only T1–T4; all keeps the old draw', () => {
    const seen = (kinds: 'general' | 'targeted') =>
      new Set(Array.from({ length: 200 }, (_, seed) => chooseCaption(captions, seed, 3, kinds)));
    expect([...seen('general')]).toEqual(['g0']);
    expect([...seen('targeted')].sort()).toEqual(['t1', 't2', 't3', 't4']);
    for (let seed = 0; seed < 50; seed++)
      expect(chooseCaption(captions, seed, 3, 'all')).toBe(chooseCaption(captions, seed, 3));
  });

  it('gives positions in general-then-targeted order and falls back to every caption when a kind is missing', () => {
    expect(captionPositions(captions, 'general')).toEqual([0]);
    expect(captionPositions(captions, 'targeted')).toEqual([1, 2, 3, 4]);
    expect(captionPositions({ general: [], targeted: ['a', 'b'] }, 'general')).toEqual([0, 1]);
    const p = chooseCaptionPosition(captions, 5, 1, 'targeted');
    expect(p).toBeGreaterThanOrEqual(1);
    expect(chooseCaption(captions, 5, 1, 'targeted')).toBe(['g0', 't1', 't2', 't3', 't4'][p]);
  });
});
