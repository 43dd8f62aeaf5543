import { Rng, deriveSeed } from '@kd/core';
import { encodeBoxDelta } from './box-coder.js';
import { labelAnchors, type AnchorLabelOptions } from './anchor-labels.js';
import { boxAt, type BatchObjects, type RegionTargets } from './region-targets.js';
import { sampleRegions } from './region-sampling.js';

/** Weights of the RPN's box deltas relative to its anchors: (1, 1, 1, 1), torchvision's RPN `BoxCoder`. */
export const RPN_BOX_DELTA_WEIGHTS: readonly [number, number, number, number] = [1, 1, 1, 1];

/** The anchors of a batch as plain arrays: B images × A anchors (the model's `anchors` tap). */
export interface BatchAnchors {
  readonly images: number;
  readonly perImage: number;
  /** [B·A·4] boxes x1, y1, x2, y2 in pixels; a box without area is a padded slot. */
  readonly boxes: ArrayLike<number>;
}

export interface AnchorTargetOptions extends AnchorLabelOptions {
  /** Sample this many anchors per image with at most this foreground share, drawn from `seed`. */
  readonly sample: { readonly perImage: number; readonly foregroundFraction: number; readonly seed: number };
}

/**
 * What the RPN losses of one batch learn from, as rows of the flattened [B·A] anchors: the sampled
 * rows with their objectness labels (1 object, 0 background) and, among them, the foreground rows
 * with their encoded box targets [F·4] (weights 1, 1, 1, 1).
 */
export type AnchorTargets = RegionTargets;

/**
 * Labels every anchor of the batch against the image's (base) boxes (`labelAnchors`) and keeps a
 * balanced sample per image (`sampleRegions`: torchvision's `BalancedPositiveNegativeSampler`, 256
 * anchors, at most half foreground), drawn from `sample.seed` and the image's position so that a
 * step always draws the same anchors.
 */
export function anchorTargets(
  anchors: BatchAnchors,
  objects: BatchObjects,
  options: AnchorTargetOptions,
): AnchorTargets {
  const { images: b, perImage: n } = anchors;
  const m = objects.slots;
  const rows: number[] = [];
  const labels: number[] = [];
  const fgRows: number[] = [];
  const targets: number[] = [];
  for (let i = 0; i < b; i++) {
    const count = Math.min(objects.counts[i]!, m);
    const gtBoxes = Array.from({ length: count }, (_, j) => boxAt(objects.boxes, i * m + j));
    const boxes = Array.from({ length: n }, (_, k) => boxAt(anchors.boxes, i * n + k));
    const labelled = labelAnchors(boxes, gtBoxes, options);
    const chosen = sampleRegions(
      labelled.labels,
      options.sample.perImage,
      options.sample.foregroundFraction,
      new Rng(deriveSeed(options.sample.seed, 'detection-anchors', i)),
    );
    for (const k of chosen) {
      const label = labelled.labels[k]!;
      rows.push(i * n + k);
      labels.push(label);
      if (label === 1) {
        fgRows.push(i * n + k);
        targets.push(...encodeBoxDelta(boxes[k]!, gtBoxes[labelled.matched[k]!]!, RPN_BOX_DELTA_WEIGHTS));
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
