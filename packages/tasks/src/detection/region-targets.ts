import { Rng, deriveSeed } from '@kd/core';
import type { Box } from '@kd/metrics';
import { encodeBoxDelta } from './box-coder.js';
import { labelRegions } from './region-labels.js';
import { sampleRegions } from './region-sampling.js';

/** The regions of a batch as plain arrays: B images × R regions (the model's `regionBoxes`, `regionMask`). */
export interface BatchRegions {
  readonly images: number;
  readonly perImage: number;
  /** [B·R·4] boxes x1, y1, x2, y2 in pixels. */
  readonly boxes: ArrayLike<number>;
  /** [B·R], 1 for a real region, 0 for padding. */
  readonly mask: ArrayLike<number>;
}

/** The annotated objects of a batch (`boxes` [B, M, 4], `boxClasses` [B, M], `boxCount` [B]) as plain arrays. */
export interface BatchObjects {
  readonly slots: number;
  readonly boxes: ArrayLike<number>;
  readonly classes: ArrayLike<number>;
  readonly counts: ArrayLike<number>;
}

export interface RegionTargetOptions {
  readonly foregroundIoU: number;
  /** Sample this many regions per image with this foreground share; undefined: every valid region. */
  readonly sample?: { readonly perImage: number; readonly foregroundFraction: number; readonly seed: number };
}

/**
 * What the detection losses of one batch learn from, as rows of the flattened [B·R] regions: the
 * rows classified (`rows`, with their labels: 0 background, 1 + class) and, among them, the
 * foreground rows whose box deltas regress onto their matched object (`foregroundRows`, with the
 * encoded targets [F·4]).
 */
export interface RegionTargets {
  readonly rows: Int32Array;
  readonly labels: Int32Array;
  readonly foregroundRows: Int32Array;
  readonly boxTargets: Float32Array;
}

/** Box `i` of a flat [N·4] array (x1, y1, x2, y2). */
export const boxAt = (data: ArrayLike<number>, i: number): Box => [
  data[i * 4]!,
  data[i * 4 + 1]!,
  data[i * 4 + 2]!,
  data[i * 4 + 3]!,
];

/**
 * Labels every region of the batch by IoU with the image's objects (`labelRegions`), then keeps a
 * balanced sample per image (`sampleRegions`, drawn from `sample.seed` and the image's position, so a
 * step always draws the same regions) or, without `sample`, every valid region (evaluation).
 */
export function regionTargets(
  regions: BatchRegions,
  objects: BatchObjects,
  options: RegionTargetOptions,
): RegionTargets {
  const { images: b, perImage: r } = regions;
  const m = objects.slots;
  const rows: number[] = [];
  const labels: number[] = [];
  const fgRows: number[] = [];
  const targets: number[] = [];
  for (let i = 0; i < b; i++) {
    const count = Math.min(objects.counts[i]!, m);
    const gtBoxes = Array.from({ length: count }, (_, j) => boxAt(objects.boxes, i * m + j));
    const gtClasses = Array.from({ length: count }, (_, j) => objects.classes[i * m + j]!);
    const boxes = Array.from({ length: r }, (_, k) => boxAt(regions.boxes, i * r + k));
    const valid = Array.from({ length: r }, (_, k) => regions.mask[i * r + k]!);
    const labelled = labelRegions(boxes, valid, { boxes: gtBoxes, classes: gtClasses }, options.foregroundIoU);
    const chosen = options.sample
      ? sampleRegions(
          labelled.labels,
          options.sample.perImage,
          options.sample.foregroundFraction,
          new Rng(deriveSeed(options.sample.seed, 'detection-regions', i)),
        )
      : Array.from({ length: r }, (_, k) => k).filter((k) => labelled.labels[k]! >= 0);
    for (const k of chosen) {
      const label = labelled.labels[k]!;
      rows.push(i * r + k);
      labels.push(label);
      if (label >= 1) {
        fgRows.push(i * r + k);
        targets.push(...encodeBoxDelta(boxes[k]!, gtBoxes[labelled.matched[k]!]!));
      }
    }
  }
  return {
    rows: Int32Array.from(rows),
    labels: Int32Array.from(labels),
    foregroundRows: Int32Array.from(fgRows),
    boxTargets: Float32Array.from(targets),
  };
}
