import { assertIndices, assertSameLength } from './validate.js';

/** Accuracy of one group of classes. */
export interface GroupAccuracy {
  /** group id (index into the group names) */
  readonly id: number;
  readonly name: string;
  /** correctly classified samples whose true class is in the group */
  readonly correct: number;
  /** samples whose true class is in the group */
  readonly count: number;
  /** correct / count; NaN when the group has no samples */
  readonly accuracy: number;
}

/**
 * Accuracy per group of classes (e.g. Many / Medium / Few shots for long-tailed data): over the
 * samples whose TRUE class belongs to group g,
 *   acc_g = #{i : group(labels[i]) = g, predictions[i] = labels[i]} / #{i : group(labels[i]) = g}.
 * This is sample-weighted within the group (not the mean of per-class accuracies). A prediction of
 * a class outside the group is simply wrong. `groupOfClass[c]` is the group id of class c, an
 * integer in [0, groupNames.length); the number of classes is `groupOfClass.length`. Groups come
 * back in id order; a group without samples has accuracy NaN.
 */
export function groupAccuracy(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  groupOfClass: Int32Array | readonly number[],
  groupNames: readonly string[],
): GroupAccuracy[] {
  const what = 'groupAccuracy';
  if (groupNames.length === 0) throw new Error(`${what}: groupNames is empty`);
  assertSameLength(what, 'predictions', predictions, 'labels', labels);
  assertIndices(what, 'groupOfClass', groupOfClass, groupNames.length);
  assertIndices(what, 'labels', labels, groupOfClass.length);
  assertIndices(what, 'predictions', predictions, groupOfClass.length);
  const correct = new Float64Array(groupNames.length);
  const count = new Float64Array(groupNames.length);
  for (let i = 0; i < labels.length; i++) {
    const g = groupOfClass[labels[i]!]!;
    count[g]!++;
    if (predictions[i] === labels[i]) correct[g]!++;
  }
  return groupNames.map((name, id) => ({
    id,
    name,
    correct: correct[id]!,
    count: count[id]!,
    accuracy: correct[id]! / count[id]!,
  }));
}
