import type { DataInfo } from '@kd/core';
import { classGroups, longTailSubsample, type LongTailOptions } from './long-tail.js';
import type { SplitIndices } from './split.js';

/**
 * Makes the train split of `splits` long-tailed (val and test untouched) and returns the dataset
 * info extended with the Many / Medium / Few class groups of the resulting training counts.
 */
export function applyLongTail(
  splits: SplitIndices,
  labels: Int32Array,
  info: DataInfo,
  options: LongTailOptions,
  seed: number,
): { splits: SplitIndices; info: DataInfo; trainCounts: Int32Array } {
  const { indices, counts } = longTailSubsample(splits.train, labels, info.numClasses, options, seed);
  const groups = classGroups(counts, options.groups);
  return {
    splits: { ...splits, train: indices },
    info: {
      ...info,
      name: `${info.name}-lt${options.imbalance}`,
      classGroups: { names: groups.names, ofClass: groups.ofClass },
    },
    trainCounts: counts,
  };
}
