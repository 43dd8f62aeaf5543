import { describe, expect, it } from 'vitest';
import { expandGrid, parseGridArg, splitTopLevel } from './grid.js';

describe('grid', () => {
  it('parses --grid values like --set (numbers, booleans, lists, strings)', () => {
    expect(parseGridArg('methods[0].hparams.T=1,2,4')).toEqual({ key: 'methods[0].hparams.T', values: [1, 2, 4] });
    expect(parseGridArg('train.schedule.type=cosine, multistep')).toEqual({
      key: 'train.schedule.type',
      values: ['cosine', 'multistep'],
    });
    expect(parseGridArg('a=true,0.5,[1,2],{x: 1}').values).toEqual([true, 0.5, [1, 2], { x: 1 }]);
  });

  it('splits on top-level commas only', () => {
    expect(splitTopLevel("1,[2,3],'a,b',{x: [1,2]}")).toEqual(['1', '[2,3]', "'a,b'", '{x: [1,2]}']);
  });

  it('rejects malformed axes', () => {
    expect(() => parseGridArg('noequals')).toThrow(/path=value1,value2/);
    expect(() => parseGridArg('a=')).toThrow(/no values/);
    expect(() => parseGridArg('a=1,,2')).toThrow(/empty value/);
    expect(() =>
      expandGrid([
        { key: 'a', values: [1] },
        { key: 'a', values: [2] },
      ]),
    ).toThrow(/twice/);
  });

  it('expands the cartesian product, first axis slowest', () => {
    const points = expandGrid([
      { key: 'a', values: [1, 2] },
      { key: 'b', values: ['x', 'y', 'z'] },
    ]);
    expect(points).toHaveLength(6);
    expect(points.map((p) => p.map((q) => `${q.key}=${q.value}`).join(' '))).toEqual([
      'a=1 b=x',
      'a=1 b=y',
      'a=1 b=z',
      'a=2 b=x',
      'a=2 b=y',
      'a=2 b=z',
    ]);
    expect(expandGrid([])).toEqual([[]]);
  });
});
