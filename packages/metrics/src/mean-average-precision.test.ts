import { describe, expect, it } from 'vitest';
import { meanAp } from './mean-average-precision.js';

describe('meanAp', () => {
  const ap = Float64Array.of(0.5, NaN, 0.7, 0.1);

  it('averages over all classes with an AP by default', () => {
    expect(meanAp(ap)).toBeCloseTo((0.5 + 0.7 + 0.1) / 3, 12);
  });

  it('averages over a class subset (base / novel), skipping NaN', () => {
    expect(meanAp(ap, [0, 1, 2])).toBeCloseTo(0.6, 12); // NaN class 1 skipped, not counted as 0
    expect(meanAp(ap, Int32Array.of(3))).toBeCloseTo(0.1, 12);
    expect(meanAp(ap, [1])).toBeNaN();
    expect(meanAp(ap, [])).toBeNaN();
  });

  it('rejects unknown and repeated class ids', () => {
    expect(() => meanAp(ap, [4])).toThrow('meanAp: classIds[0] = 4 is not an integer in [0, 4)');
    expect(() => meanAp(ap, [0, 0])).toThrow('class 0 is listed twice');
  });
});
