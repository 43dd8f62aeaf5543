import { describe, expect, it } from 'vitest';
import { flatMatrix } from './matrix.js';
import { multiLabelPrecisionRecall } from './multi-label-precision-recall.js';

// N = 4, K = 5. Class 3 has a positive but is never predicted; class 4 has no positives.
const scores = [
  [0.5, 0.2, 0.9, 0.1, 0.6],
  [0.49, 0.7, 0.6, 0.2, 0.1],
  [0.8, 0.1, 0.3, 0.3, 0.1],
  [0.1, 0.4, 0.2, 0.4, 0.1],
];
const targets = [
  [1, 0, 1, 0, 0],
  [1, 1, 0, 0, 0],
  [0, 0, 1, 0, 0],
  [0, 0, 0, 1, 0],
];

describe('multiLabelPrecisionRecall', () => {
  it('threshold 0.5 (score ≥ 0.5 is predicted): per-class and pooled counts', () => {
    const r = multiLabelPrecisionRecall(scores, targets);
    // class 0: predicted rows 0 (0.5 ≥ 0.5) and 2 → TP 1 of 2 predicted, 2 positives
    expect(Array.from(r.predicted)).toEqual([2, 1, 2, 0, 1]);
    expect(Array.from(r.truePositives)).toEqual([1, 1, 1, 0, 0]);
    expect(Array.from(r.positives)).toEqual([2, 1, 2, 1, 0]);
    expect(Array.from(r.perClassPrecision)).toEqual([0.5, 1, 0.5, 0, 0]); // class 3: nothing predicted → 0
    expect(Array.from(r.perClassRecall).slice(0, 4)).toEqual([0.5, 1, 0.5, 0]);
    expect(r.perClassRecall[4]).toBeNaN(); // no positives
    // CP over all 5 classes, CR over the 4 with positives
    expect(r.CP).toBeCloseTo(2 / 5, 12);
    expect(r.CR).toBeCloseTo(2 / 4, 12);
    expect(r.CF1).toBeCloseTo((2 * 0.4 * 0.5) / 0.9, 12);
    // pooled: 3 TP / 6 predicted, 3 TP / 6 positives (ML-GCN's code would divide OP by 7)
    expect(r.OP).toBe(0.5);
    expect(r.OR).toBe(0.5);
    expect(r.OF1).toBe(0.5);
  });

  it('a custom threshold (still ≥)', () => {
    const r = multiLabelPrecisionRecall(flatMatrix(scores.flat(), 4, 5), flatMatrix(targets.flat(), 4, 5), {
      threshold: 0.7,
    });
    // predicted: class 0 row 2 (0.8, wrong); class 1 row 1 (0.7 ≥ 0.7, right); class 2 row 0 (0.9, right)
    expect(Array.from(r.perClassPrecision)).toEqual([0, 1, 1, 0, 0]);
    expect(r.CP).toBeCloseTo(2 / 5, 12);
    expect(r.CR).toBeCloseTo((0 + 1 + 0.5 + 0) / 4, 12);
    expect(r.OP).toBeCloseTo(2 / 3, 12);
    expect(r.OR).toBeCloseTo(2 / 6, 12);
    expect(r.OF1).toBeCloseTo((2 * (2 / 3) * (1 / 3)) / 1, 12);
  });

  it('nothing predicted: precisions 0 and F1 0 (not NaN)', () => {
    const r = multiLabelPrecisionRecall(scores, targets, { threshold: 2 });
    expect([r.CP, r.CR, r.CF1, r.OP, r.OR, r.OF1]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('no positives at all: recall metrics are NaN', () => {
    const r = multiLabelPrecisionRecall([[0.9]], [[0]]);
    expect(r.CP).toBe(0);
    expect(r.CR).toBeNaN();
    expect(r.OR).toBeNaN();
    expect(r.CF1).toBeNaN();
  });

  it('rejects shape mismatches, non-binary targets and NaN', () => {
    expect(() => multiLabelPrecisionRecall(scores, [[1]])).toThrow('scores is 4 × 5 but targets is 1 × 1');
    expect(() => multiLabelPrecisionRecall([[0.9]], [[-1]])).toThrow('targets[0][0] = -1 is not binary');
    expect(() => multiLabelPrecisionRecall([[NaN]], [[1]])).toThrow('scores[0][0] is NaN');
    expect(() => multiLabelPrecisionRecall([[0.1]], [[1]], { threshold: NaN })).toThrow('threshold is NaN');
  });
});
