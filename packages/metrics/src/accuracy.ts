import { assertIndices, assertSameLength } from './validate.js';

/**
 * Top-1 accuracy: the fraction of samples whose predicted class equals the label,
 *   accuracy = #{i : predictions[i] = labels[i]} / N.
 * `predictions` are class ids (use `argmaxRows` on a score matrix). Both are integers ≥ 0 of the
 * same length. No samples → NaN.
 */
export function top1Accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  assertSameLength('top1Accuracy', 'predictions', predictions, 'labels', labels);
  assertIndices('top1Accuracy', 'predictions', predictions, Infinity);
  assertIndices('top1Accuracy', 'labels', labels, Infinity);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / labels.length;
}
