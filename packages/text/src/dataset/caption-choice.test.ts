import { describe, expect, it } from 'vitest';
import { chooseCaption } from './caption-choice.js';

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
