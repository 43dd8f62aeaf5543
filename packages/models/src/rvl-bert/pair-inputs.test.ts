import { describe, expect, it } from 'vitest';
import { pairInput, unionBox } from './pair-inputs.js';

const ids = { cls: 2, sep: 3, mask: 4, pad: 0 };
const options = { ids, textLength: 10, imageSize: [64, 48] as const, unionMargin: 2 };

describe("RVL-BERT's per-pair inputs (the official token layout and RoIs)", () => {
  it('VRD-like: [CLS] subject object [SEP] [MASK] [SEP], padding after; roles are the word spans', () => {
    const p = pairInput([[7], [8, 9]], [10, 12, 20, 30], [30, 5, 40, 15], options);
    expect(Array.from(p.tokens)).toEqual([2, 7, 8, 9, 3, 4, 3, 0, 0, 0]);
    expect(Array.from(p.tokenMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(p.maskPosition).toBe(5);
    expect(p.roleSpans).toEqual([
      [1, 2],
      [2, 4],
    ]);
    // whole image, subject, union ± 2 clipped to the image, object
    expect(Array.from(p.rois)).toEqual([0, 0, 64, 48, 10, 12, 20, 30, 8, 3, 42, 32, 30, 5, 40, 15]);
  });

  it('SpatialSense-like: the predicate words between subject and object, three roles', () => {
    const p = pairInput([[7], [11, 12], [8]], [0, 0, 5, 5], [1, 1, 6, 6], options);
    expect(Array.from(p.tokens)).toEqual([2, 7, 11, 12, 8, 3, 4, 3, 0, 0]);
    expect(p.maskPosition).toBe(6);
    expect(p.roleSpans).toEqual([
      [1, 2],
      [2, 4],
      [4, 5],
    ]);
  });

  it('the union box is clipped to the image on every side', () => {
    expect(unionBox([1, 1, 10, 10], [50, 40, 63, 47], 5, [64, 48])).toEqual([0, 0, 64, 48]);
    expect(unionBox([20, 20, 30, 30], [25, 10, 28, 22], 0, [64, 48])).toEqual([20, 10, 30, 30]);
  });

  it("a text longer than the encoder's length is refused, naming both", () => {
    expect(() =>
      pairInput(
        [
          [7, 7, 7],
          [8, 8, 8, 8],
        ],
        [0, 0, 1, 1],
        [0, 0, 1, 1],
        options,
      ),
    ).toThrow(/11 tokens \(\[CLS\], 7 role words, \[SEP\] \[MASK\] \[SEP\]\) do not fit the encoder's text length 10/);
  });
});
