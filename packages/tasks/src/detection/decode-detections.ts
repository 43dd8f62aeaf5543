import type { Box } from '@kd/metrics';
import { clipBox, decodeBoxDelta, type BoxTuple } from './box-coder.js';
import { perClassNonMaximumSuppression } from './nms.js';

/** One detection of one image: a class id (0-based, background excluded), a box in pixels and a score. */
export interface ImageDetection {
  readonly classId: number;
  readonly box: BoxTuple;
  readonly score: number;
}

export interface DecodeOptions {
  /** Image [height, width]: decoded boxes are clipped to it. */
  readonly imageSize: readonly [number, number];
  /** A (region, class) pair is kept when its probability is greater than this. */
  readonly scoreThreshold: number;
  /** Same-class detections overlapping a better one by IoU > this are suppressed. */
  readonly nmsIoU: number;
  /** At most this many detections per image, best first. */
  readonly maxDetections: number;
  /** Boxes narrower or lower than this (pixels, after clipping) are dropped (torchvision: 1e-2). */
  readonly minSize?: number;
}

/**
 * The detections of one image from its regions (torchvision `RoIHeads.postprocess_detections` with a
 * class-agnostic box regressor): `probabilities` [R, K+1] (softmax over background + K classes;
 * column 0 is background) and `deltas` [R, 4] per region of `regions` (pixels; `valid[r]` = 0 marks
 * padding). Each region's deltas are applied to it and the box clipped to the image; every
 * (region, class) pair with probability > `scoreThreshold` and a box at least `minSize` wide and
 * high is a candidate; NMS within each class at `nmsIoU`; the best `maxDetections` are kept.
 */
export function decodeDetections(
  probabilities: ArrayLike<number>,
  deltas: ArrayLike<number>,
  regions: readonly Box[],
  valid: ArrayLike<number>,
  options: DecodeOptions,
): ImageDetection[] {
  const r = regions.length;
  const columns = probabilities.length / r;
  if (!Number.isInteger(columns) || columns < 2)
    throw new Error(`decodeDetections: ${probabilities.length} probabilities for ${r} regions`);
  if (deltas.length !== r * 4)
    throw new Error(`decodeDetections: ${deltas.length} deltas for ${r} regions, expected ${r * 4}`);
  const [height, width] = options.imageSize;
  const minSize = options.minSize ?? 1e-2;
  const boxes: BoxTuple[] = [];
  const scores: number[] = [];
  const classes: number[] = [];
  for (let i = 0; i < r; i++) {
    if (!valid[i]) continue;
    const box = clipBox(
      decodeBoxDelta(
        regions[i]!,
        Array.from({ length: 4 }, (_, j) => deltas[i * 4 + j]!),
      ),
      height,
      width,
    );
    if (box[2] - box[0] < minSize || box[3] - box[1] < minSize) continue;
    for (let c = 1; c < columns; c++) {
      const p = probabilities[i * columns + c]!;
      if (!(p > options.scoreThreshold)) continue;
      boxes.push(box);
      scores.push(p);
      classes.push(c - 1);
    }
  }
  const kept = perClassNonMaximumSuppression(boxes, scores, classes, options.nmsIoU).slice(0, options.maxDetections);
  return kept.map((i) => ({ classId: classes[i]!, box: boxes[i]!, score: scores[i]! }));
}
