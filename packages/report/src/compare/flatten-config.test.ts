import { describe, expect, it } from 'vitest';
import { flattenConfig } from './flatten-config.js';

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
});
