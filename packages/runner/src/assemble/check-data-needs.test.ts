import { BASE_NOVEL_CLASSES, MissingDataError, PREDICATE_NAMES, type DataInfo } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { checkDataNeeds } from './check-data-needs.js';

const scenes: DataInfo = {
  name: 'toy-scenes',
  inputShape: [8, 8, 1],
  numClasses: 3,
  classNames: ['a', 'b', 'c'],
  batchKeys: {
    x: { shape: [8, 8, 1], dtype: 'float32', description: 'images' },
    y: { shape: [3], dtype: 'float32', description: 'multi-hot labels' },
    pairs: { shape: [6, 2], dtype: 'int32', description: 'object pairs' },
  },
  facets: { [PREDICATE_NAMES.id]: ['left of'] },
};

describe('checkDataNeeds', () => {
  it('accepts keys with matching dtype and shape (-1 matches any size, rank only counts dims) and offered facets', () => {
    expect(() =>
      checkDataNeeds(scenes, [
        {
          who: "task 't'",
          keys: [
            { key: 'y', dtype: 'float32', rank: 1 },
            { key: 'pairs', dtype: 'int32', shape: [-1, 2] },
            { key: 'x' },
          ],
          facets: [PREDICATE_NAMES],
        },
      ]),
    ).not.toThrow();
  });

  it('names the key, who needs it and what the dataset offers', () => {
    const need = (keys: Parameters<typeof checkDataNeeds>[1][number]['keys']) => () =>
      checkDataNeeds(scenes, [{ who: "method 'm'", keys, facets: [] }]);
    expect(need([{ key: 'tokens', why: 'captions' }])).toThrow(
      /^method 'm' needs batch key 'tokens' \(captions\), but dataset 'toy-scenes' has none \(its batches carry: x, y, pairs\)$/,
    );
    expect(need([{ key: 'y', dtype: 'int32', shape: [] }])).toThrow(
      /^method 'm' needs batch key 'y' as int32 \[\], but dataset 'toy-scenes' offers it as float32 \[3\] \(multi-hot labels\)$/,
    );
    expect(need([{ key: 'pairs', shape: [-1, 3] }])).toThrow(
      /needs batch key 'pairs' as \[-1, 3\], but dataset 'toy-scenes' offers it as int32 \[6, 2\]/,
    );
    expect(need([{ key: 'y', rank: 2 }])).toThrow(/needs batch key 'y' as rank 2/);
    expect(need([{ key: 'y', dtype: 'int32' }])).toThrow(MissingDataError);
  });

  it('a missing facet names the facet and the facets offered', () => {
    expect(() => checkDataNeeds(scenes, [{ who: "task 'detection'", keys: [], facets: [BASE_NOVEL_CLASSES] }])).toThrow(
      /^task 'detection' needs dataset facet 'baseNovelClasses' \(.+\), but dataset 'toy-scenes' offers predicates$/,
    );
  });

  it('a dataset that declares no keys offers an image classifier’s x, y int32 [] and index', () => {
    const mnist: DataInfo = { name: 'mnist', inputShape: [28, 28, 1], numClasses: 10, classNames: [] };
    expect(() =>
      checkDataNeeds(mnist, [
        { who: "task 'classification'", keys: [{ key: 'y', dtype: 'int32', shape: [] }, { key: 'index' }], facets: [] },
      ]),
    ).not.toThrow();
    expect(() =>
      checkDataNeeds(mnist, [{ who: "method 'vl-pretrain'", keys: [{ key: 'tokens' }], facets: [] }]),
    ).toThrow(/has none \(its batches carry: x, y, index\)/);
  });
});
