import { boxIou, type Box } from '@kd/metrics';

/** The ground truth a region is judged against: its boxes and their class ids (0-based). */
export interface GroundTruthObjects {
  readonly boxes: readonly Box[];
  readonly classes: ArrayLike<number>;
}

/** Per region: its training label, the ground truth it overlaps most and that IoU. */
export interface RegionLabels {
  /** 1 + class id for a foreground region, 0 for background, −1 for a padded (ignored) region. */
  readonly labels: Int32Array;
  /** Index of the ground-truth box with the highest IoU (the first on ties), −1 when there is none. */
  readonly matched: Int32Array;
  readonly iou: Float64Array;
}

/**
 * Labels each region by its best-overlapping ground-truth box (torchvision's `Matcher` with equal
 * high and low thresholds, the TPU detection code's RoI labelling): IoU ≥ `foregroundIoU` → that
 * box's class (1-based; 0 is background), else background. Padded regions (`valid[r]` = 0) are −1.
 */
export function labelRegions(
  regions: readonly Box[],
  valid: ArrayLike<number>,
  objects: GroundTruthObjects,
  foregroundIoU: number,
): RegionLabels {
  const n = regions.length;
  const labels = new Int32Array(n);
  const matched = new Int32Array(n).fill(-1);
  const iou = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    if (!valid[r]) {
      labels[r] = -1;
      continue;
    }
    let best = -1;
    let bestIou = -1;
    objects.boxes.forEach((g, j) => {
      const v = boxIou(regions[r]!, g);
      if (v > bestIou) {
        best = j;
        bestIou = v;
      }
    });
    matched[r] = best;
    iou[r] = Math.max(bestIou, 0);
    labels[r] = best >= 0 && bestIou >= foregroundIoU ? 1 + objects.classes[best]! : 0;
  }
  return { labels, matched, iou };
}
