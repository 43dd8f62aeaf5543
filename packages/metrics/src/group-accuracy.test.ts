import { describe, expect, it } from 'vitest';
import { groupAccuracy } from './group-accuracy.js';

// classes 0, 1 → many; 2 → medium; 3, 4 → few
const groupOfClass = [0, 0, 1, 2, 2];
const names = ['many', 'medium', 'few'];
//                 ✓  ✓  ✗  ✓  ✗  ✓  ✗  ✓
const labels = [0, 1, 1, 2, 3, 4, 4, 0];
const predictions = [0, 1, 0, 2, 4, 4, 3, 0];

describe('groupAccuracy', () => {
  it('is correct / count over the samples whose true class is in the group', () => {
    const r = groupAccuracy(predictions, labels, groupOfClass, names);
    expect(r.map((g) => g.name)).toEqual(names);
    expect(r.map((g) => g.id)).toEqual([0, 1, 2]);
    expect(r.map((g) => [g.correct, g.count])).toEqual([
      [3, 4],
      [1, 1],
      [1, 3],
    ]);
    expect(r[0]!.accuracy).toBe(0.75);
    expect(r[1]!.accuracy).toBe(1);
    // sample-weighted: 1/3, not the mean of per-class accuracies (0/1 + 1/2) / 2 = 1/4
    expect(r[2]!.accuracy).toBeCloseTo(1 / 3, 12);
  });

  it('a prediction of another class of the same group is wrong', () => {
    // label 3, prediction 4: both few, still an error
    const r = groupAccuracy([4], [3], groupOfClass, names);
    expect(r[2]).toMatchObject({ correct: 0, count: 1, accuracy: 0 });
  });

  it('gives NaN to a group without samples and accepts Int32Array groups', () => {
    const r = groupAccuracy(predictions, labels, Int32Array.from(groupOfClass), [...names, 'unused']);
    expect(r[3]).toMatchObject({ name: 'unused', correct: 0, count: 0 });
    expect(r[3]!.accuracy).toBeNaN();
  });

  it('rejects group ids outside the names and labels outside the classes', () => {
    expect(() => groupAccuracy([0], [0], [0, 3], names)).toThrow('groupOfClass[1] = 3 is not an integer in [0, 3)');
    expect(() => groupAccuracy([0], [5], groupOfClass, names)).toThrow('labels[0] = 5 is not an integer in [0, 5)');
    expect(() => groupAccuracy([0, 0], [0], groupOfClass, names)).toThrow(
      'predictions has length 2 but labels has length 1',
    );
    expect(() => groupAccuracy([0], [0], groupOfClass, [])).toThrow('groupNames is empty');
  });
});
