import { boxIou, type Box } from '@kd/metrics';

/** Per anchor: its RPN label and the ground-truth box its regression target is taken from. */
export interface AnchorLabels {
  /** 1 foreground (object), 0 background, −1 ignored (between the thresholds, or a padded anchor). */
  readonly labels: Int32Array;
  /** Index of the ground-truth box with the highest IoU (the first on ties), −1 when there is none. */
  readonly matched: Int32Array;
}

export interface AnchorLabelOptions {
  /** IoU at or above which an anchor is foreground (torchvision / Detectron / ViLD: 0.7). */
  readonly foregroundIoU: number;
  /** IoU below which an anchor is background (0.3); in between, ignored. */
  readonly backgroundIoU: number;
}

/** A padded anchor slot: a box without area (e.g. [0, 0, 0, 0] or the TPU code's −1s). */
export const isPaddedAnchor = (a: Box): boolean => !(a[2]! - a[0]! > 0 && a[3]! - a[1]! > 0);

/**
 * Labels the anchors of one image for its RPN (torchvision's `RegionProposalNetwork`:
 * `Matcher(0.7, 0.3, allow_low_quality_matches=True)`, as Detectron and the official ViLD/TPU
 * anchor labeller): each anchor takes its best-overlapping box; IoU ≥ `foregroundIoU` → foreground,
 * < `backgroundIoU` → background, in between ignored. Then every box's best anchors (all ties) become
 * foreground, matched to *their* best box (torchvision's rule), so that each object has an anchor.
 * Differs from torchvision only where torchvision has no notion: padded anchors (no area) are ignored,
 * and a box that overlaps no anchor at all (best IoU 0) claims none (torchvision would mark every
 * anchor of IoU 0 foreground). No boxes: every real anchor is background.
 */
export function labelAnchors(
  anchors: readonly Box[],
  boxes: readonly Box[],
  options: AnchorLabelOptions,
): AnchorLabels {
  const n = anchors.length;
  const labels = new Int32Array(n);
  const matched = new Int32Array(n).fill(-1);
  const iou = anchors.map((a) => (isPaddedAnchor(a) ? null : boxes.map((g) => boxIou(a, g))));
  for (let a = 0; a < n; a++) {
    const row = iou[a];
    if (!row) {
      labels[a] = -1;
      continue;
    }
    let best = -1;
    let bestIou = -1;
    row.forEach((v, j) => {
      if (v > bestIou) {
        best = j;
        bestIou = v;
      }
    });
    matched[a] = best;
    labels[a] = best < 0 || bestIou < options.backgroundIoU ? 0 : bestIou >= options.foregroundIoU ? 1 : -1;
  }
  boxes.forEach((_, j) => {
    let highest = 0;
    for (const row of iou) if (row && row[j]! > highest) highest = row[j]!;
    if (highest <= 0) return;
    iou.forEach((row, a) => {
      if (row && row[j] === highest) labels[a] = 1;
    });
  });
  return { labels, matched };
}
