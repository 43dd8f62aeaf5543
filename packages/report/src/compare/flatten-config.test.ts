import { describe, expect, it } from 'vitest';
import { flattenConfig, sameLeaf } from './flatten-config.js';

describe('flattenConfig', () => {
  it('names every value by its --set path: dotted keys, [i] for list items, empty containers as values', () => {
    const flat = flattenConfig({
      seed: 1,
      teacher: null,
      train: { optimizer: { lr: 0.05, nesterov: false }, groups: {} },
      methods: [{ id: 'kd', hparams: { T: 4 } }, { id: 'fitnet' }],
      schedule: { milestones: [] },
    });
    expect([...flat]).toEqual([
      ['seed', 1],
      ['teacher', null],
      ['train.optimizer.lr', 0.05],
      ['train.optimizer.nesterov', false],
      ['train.groups', {}],
      ['methods[0].id', 'kd'],
      ['methods[0].hparams.T', 4],
      ['methods[1].id', 'fitnet'],
      ['schedule.milestones', []],
    ]);
  });

  it('compares leaves by value and type, an absent value only equal to another absent one', () => {
    expect(sameLeaf(0.1, 0.1)).toBe(true);
    expect(sameLeaf([], [])).toBe(true);
    expect(sameLeaf(1, '1')).toBe(false);
    expect(sameLeaf(null, undefined)).toBe(false);
    expect(sameLeaf(undefined, undefined)).toBe(true);
  });
});
