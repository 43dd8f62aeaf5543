import { describe, expect, it } from 'vitest';
import { precisionRecallArea } from './precision-recall-area.js';

// Ranked outcomes TP FP FP TP TP with 4 ground truths (one never found):
//   recall    1/4 1/4 1/4 2/4 3/4
//   precision  1  1/2 1/3 2/4 3/5
//   envelope   1  3/5 3/5 3/5 3/5   (max precision at this or any later rank)
const recall = [0.25, 0.25, 0.25, 0.5, 0.75];
const precision = [1, 1 / 2, 1 / 3, 2 / 4, 3 / 5];

describe('precisionRecallArea', () => {
  it('all-point: exact area under the envelope', () => {
    // 1/4 · 1 + 1/4 · 3/5 + 1/4 · 3/5 = 0.55 (the raw precisions would give 0.525)
    expect(precisionRecallArea(recall, precision)).toBeCloseTo(0.55, 12);
    expect(precisionRecallArea(recall, precision, 'all-point')).toBeCloseTo(0.55, 12);
  });

  it('101-point (COCO): mean of the envelope at recall 0, 0.01, …, 1', () => {
    // r ∈ {0 … 0.25}: 26 points at 1; r ∈ {0.26 … 0.5}: 25 at 3/5; r ∈ {0.51 … 0.75}: 25 at 3/5;
    // r > 0.75: 25 points at 0 → (26 + 15 + 15) / 101
    expect(precisionRecallArea(recall, precision, '101-point')).toBeCloseTo(56 / 101, 12);
  });

  it('11-point (VOC 2007): mean of the max precision at recall ≥ 0, 0.1, …, 1', () => {
    // r ∈ {0, .1, .2}: 1; r ∈ {.3, .4, .5, .6, .7}: 3/5; r ∈ {.8, .9, 1}: 0 → (3 + 3) / 11
    expect(precisionRecallArea(recall, precision, '11-point')).toBeCloseTo(6 / 11, 12);
  });

  it('a perfect ranking has AP 1 under every rule; an empty curve 0', () => {
    for (const rule of ['all-point', '101-point', '11-point'] as const) {
      expect(precisionRecallArea([0.5, 1], [1, 1], rule)).toBeCloseTo(1, 12);
      expect(precisionRecallArea([], [], rule)).toBe(0);
    }
  });

  it('rejects decreasing recall, out-of-range values and unknown rules', () => {
    expect(() => precisionRecallArea([0.5, 0.25], [1, 1])).toThrow('recall decreases at index 1');
    expect(() => precisionRecallArea([0.5], [1.5])).toThrow('must lie in [0, 1]');
    expect(() => precisionRecallArea([0.5], [])).toThrow('recall has length 1 but precision has length 0');
    expect(() => precisionRecallArea([0.5], [1], 'voc' as never)).toThrow("unknown interpolation 'voc'");
  });
});
