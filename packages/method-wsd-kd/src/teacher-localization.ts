import * as tf from '@tensorflow/tfjs';
import { sequentialBatches, type DataSplit, type TappedModel } from '@kd/core';
import { correctLocalization, type LocalizationQuery } from '@kd/metrics';

const TAPS = new Set(['regionScores', 'regionBoxes', 'regionMask']);

/**
 * A weakly supervised detector's localisation on a split with boxes (batch keys `boxes`, `boxClasses`,
 * `boxCount`, as scenes give): for every image and every class annotated in it, the real region the
 * model scores highest for that class (tap `regionScores` [R, K], WSDDN's S^c ⊙ S^d) is its box.
 * `teacherCorLoc`: CorLoc at IoU 0.5 (per-class hit rate, mean over classes). {} when the model has
 * no `regionScores` tap or the split no boxes.
 */
export function teacherLocalization(model: TappedModel, split: DataSplit, batchSize: number): Record<string, number> {
  const specs = model.tapSpecs();
  if (![...TAPS].every((t) => t in specs)) return {};
  const queries: LocalizationQuery[] = [];
  let numClasses = 0;
  for (const idx of sequentialBatches(split.size, batchSize)) {
    const arrays = tf.tidy(() => {
      const batch = split.batch(idx);
      if (!batch['boxes'] || !batch['boxClasses'] || !batch['boxCount']) return undefined;
      const out = model.forward(batch, { training: false, taps: TAPS });
      return {
        scores: out['regionScores']!.arraySync() as number[][][],
        boxes: out['regionBoxes']!.arraySync() as number[][][],
        mask: out['regionMask']!.arraySync() as number[][],
        truth: batch['boxes'].arraySync() as number[][][],
        classes: batch['boxClasses'].arraySync() as number[][],
        counts: batch['boxCount'].arraySync() as number[],
      };
    });
    if (!arrays) return {};
    arrays.scores.forEach((regions, i) => {
      numClasses = regions[0]?.length ?? numClasses;
      const byClass = new Map<number, number[][]>();
      for (let j = 0; j < arrays.counts[i]!; j++) {
        const k = arrays.classes[i]![j]!;
        if (k < 0) continue;
        byClass.set(k, [...(byClass.get(k) ?? []), arrays.truth[i]![j]!]);
      }
      for (const [k, truth] of byClass) {
        let best = -1;
        regions.forEach((row, r) => {
          if (arrays.mask[i]![r]! > 0 && (best < 0 || row[k]! > regions[best]![k]!)) best = r;
        });
        if (best >= 0) queries.push({ classId: k, predicted: arrays.boxes[i]![best]!, truth });
      }
    });
  }
  if (queries.length === 0) return {};
  return { teacherCorLoc: correctLocalization(queries, numClasses).corLoc };
}
