import { describe, expect, it } from 'vitest';
import { groupAccuracy } from './group-accuracy.js';
import { LONG_TAIL_GROUP_NAMES, longTailGroups } from './long-tail-groups.js';

describe('longTailGroups', () => {
  it('uses ImageNet-LT thresholds by default: many > 100, few < 20, both bounds medium', () => {
    const g = longTailGroups([101, 100, 20, 19, 0, 1280]);
    expect(Array.from(g.groupOfClass)).toEqual([0, 1, 1, 2, 2, 0]);
    expect(g.groupNames).toEqual(['many', 'medium', 'few']);
    expect(LONG_TAIL_GROUP_NAMES).toEqual(g.groupNames);
    expect([g.many, g.few]).toEqual([100, 20]);
  });

  it('takes scaled thresholds', () => {
    const g = longTailGroups(Int32Array.of(51, 50, 5, 4), { many: 50, few: 5 });
    expect(Array.from(g.groupOfClass)).toEqual([0, 1, 1, 2]);
    // non-integer (scaled) thresholds: 100 · 500/1280 = 39.0625, 20 · 500/1280 = 7.8125
    const s = longTailGroups([40, 39, 8, 7], { many: 39.0625, few: 7.8125 });
    expect(Array.from(s.groupOfClass)).toEqual([0, 1, 1, 2]);
  });

  it('feeds groupAccuracy', () => {
    const g = longTailGroups([500, 50, 5]);
    const r = groupAccuracy([0, 1, 0, 2], [0, 1, 1, 2], g.groupOfClass, g.groupNames);
    expect(r.map((x) => x.accuracy)).toEqual([1, 0.5, 1]);
  });

  it('rejects inconsistent thresholds and bad counts', () => {
    expect(() => longTailGroups([1], { many: 10, few: 11 })).toThrow('few (11) must not exceed many (10)');
    expect(() => longTailGroups([-1])).toThrow('trainCounts[0] = -1 is not a count');
    expect(() => longTailGroups([1], { many: NaN })).toThrow('thresholds must be finite');
  });
});
