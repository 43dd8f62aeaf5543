import { boxIoUAt, type Box } from './box.js';

/**
 * The fraction of `objects` covered by at least one of the first `topK` proposals (flat
 * x1, y1, x2, y2) at IoU ≥ `iouThreshold`; 1 when there are no objects.
 */
export function proposalRecall(
  objects: readonly Box[],
  proposalBoxes: ArrayLike<number>,
  iouThreshold = 0.5,
  topK = Number.POSITIVE_INFINITY,
): number {
  if (objects.length === 0) return 1;
  const p = Math.min(proposalBoxes.length / 4, topK);
  let hit = 0;
  for (const box of objects) {
    for (let j = 0; j < p; j++) {
      if (boxIoUAt(box, 0, proposalBoxes, j) >= iouThreshold) {
        hit++;
        break;
      }
    }
  }
  return hit / objects.length;
}
