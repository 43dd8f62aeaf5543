import { Rng } from '@kd/core';
import { CLS_ID, MASK_ID, PAD_ID, SEP_ID } from '@kd/text';
import { describe, expect, it } from 'vitest';
import { mismatchedCaptions } from './mismatched-captions.js';
import { maskTokens } from './token-masking.js';

describe('masked-token corruption (BERT rule)', () => {
  const T = 8;
  const captions = (n: number) => {
    const ids = new Int32Array(n * T);
    for (let b = 0; b < n; b++) ids.set([CLS_ID, 5 + (b % 7), 6, 7 + (b % 3), 8, SEP_ID, PAD_ID, PAD_ID], b * T);
    return ids;
  };

  it('predicts only real words, at least one per caption, with the 80/10/10 replacement shares', () => {
    const n = 4000;
    const ids = captions(n);
    const m = maskTokens(ids, n, T, new Rng(3), { probability: 0.15, maskShare: 0.8, randomShare: 0.1, vocabSize: 20 });
    let chosen = 0;
    let masked = 0;
    let kept = 0;
    for (let b = 0; b < n; b++) {
      let perCaption = 0;
      for (let t = 0; t < T; t++) {
        const i = b * T + t;
        if (m.targets[i]! < 0) {
          expect(m.input[i]).toBe(ids[i]);
          continue;
        }
        expect([CLS_ID, SEP_ID, PAD_ID]).not.toContain(ids[i]);
        expect(m.targets[i]).toBe(ids[i]);
        perCaption++;
        chosen++;
        if (m.input[i] === MASK_ID) masked++;
        else if (m.input[i] === ids[i]) kept++;
        else expect(m.input[i]).toBeGreaterThanOrEqual(5);
      }
      expect(perCaption).toBeGreaterThanOrEqual(1);
    }
    expect(m.count).toBe(chosen);
    // 4 words per caption at 0.15, plus the forced one when none was drawn: E = 4·0.15 + 0.85⁴ ≈ 1.12
    expect(chosen / n).toBeGreaterThan(1.05);
    expect(chosen / n).toBeLessThan(1.2);
    expect(masked / chosen).toBeCloseTo(0.8, 1);
    // kept: the 10 % unchanged share plus random draws that hit the same word
    expect(kept / chosen).toBeGreaterThan(0.08);
    expect(kept / chosen).toBeLessThan(0.13);
  });

  it('is a pure function of the seed', () => {
    const ids = captions(10);
    const o = { probability: 0.3, maskShare: 0.8, randomShare: 0.1, vocabSize: 20 };
    expect(maskTokens(ids, 10, T, new Rng(5), o)).toEqual(maskTokens(ids, 10, T, new Rng(5), o));
  });
});

describe('image–text matching negatives', () => {
  it('shift captions by one in the batch; an identical shifted caption stays a match', () => {
    const ids = Int32Array.of(2, 5, 3, 2, 6, 3, 2, 6, 3);
    const mask = Float32Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1);
    const m = mismatchedCaptions(ids, mask, 3, 3);
    expect(Array.from(m.ids)).toEqual([2, 6, 3, 2, 6, 3, 2, 5, 3]);
    expect(Array.from(m.labels)).toEqual([0, 1, 0]);
  });
});

describe('class words (the words a masked caption can only recover from the image)', () => {
  it('are the prompt words of one class but not of all', async () => {
    const { classWordIds } = await import('./class-words.js');
    const L = 4;
    // class prompts "a {}": [CLS] a <name> [SEP]; class 2's name is two words, one shared with class 0
    const rows = [
      [CLS_ID, 5, 6, SEP_ID],
      [CLS_ID, 5, 7, SEP_ID],
      [CLS_ID, 5, 6, 8],
    ];
    const text = {
      vocabSize: 9,
      length: L,
      classPrompts: { prompts: 1, ids: Int32Array.from(rows.flat()), mask: new Float32Array(3 * L).fill(1) },
    };
    expect([...classWordIds(text, 3)].sort()).toEqual([6, 7, 8]);
  });
});
