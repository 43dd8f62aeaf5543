import { boxIou, type Box } from '@kd/metrics';

/**
 * Greedy non-maximum suppression (torchvision `ops.nms`): boxes are visited in order of descending
 * score (equal scores keep their input order) and a box is dropped when its IoU with a box already
 * kept is greater than `iouThreshold`. Returns the indices kept, best first.
 */
export function nonMaximumSuppression(
  boxes: readonly Box[],
  scores: ArrayLike<number>,
  iouThreshold: number,
): number[] {
  if (boxes.length !== scores.length)
    throw new Error(`nonMaximumSuppression: ${boxes.length} boxes but ${scores.length} scores`);
  const order = Array.from({ length: boxes.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.every((k) => boxIou(boxes[k]!, boxes[i]!) <= iouThreshold)) kept.push(i);
  }
  return kept;
}

/**
 * NMS within each class, never across classes (torchvision `ops.batched_nms`): the indices kept,
 * in order of descending score over all classes.
 */
export function perClassNonMaximumSuppression(
  boxes: readonly Box[],
  scores: ArrayLike<number>,
  classIds: ArrayLike<number>,
  iouThreshold: number,
): number[] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < boxes.length; i++) {
    const list = byClass.get(classIds[i]!);
    if (list) list.push(i);
    else byClass.set(classIds[i]!, [i]);
  }
  const kept: number[] = [];
  for (const members of byClass.values()) {
    const keep = nonMaximumSuppression(
      members.map((i) => boxes[i]!),
      members.map((i) => scores[i]!),
      iouThreshold,
    );
    for (const k of keep) kept.push(members[k]!);
  }
  return kept.sort((a, b) => scores[b]! - scores[a]! || a - b);
}
