import { filterProposals } from './rpn-proposals.js';

/** The region proposal network of `region-detector` (`options.rpn`); defaults in `RPN_DEFAULTS`. */
export interface RpnConfig {
  /** Anchor sizes (√area), pixels. */
  readonly sizes: readonly number[];
  /** Anchor aspect ratios, height / width. */
  readonly ratios: readonly number[];
  /** conv3x3 + ReLU layers before the two 1×1 convs. */
  readonly convs: number;
  /** Anchors kept by objectness before NMS, per image. */
  readonly preNms: number;
  /** NMS IoU threshold of the proposals. */
  readonly nmsIou: number;
  /** Proposals with a side below this (pixels, after clipping) are dropped. */
  readonly minSize: number;
  /** In training, the image's annotated boxes (`boxes`, `boxCount`) join its proposals as regions. */
  readonly addGtBoxes: boolean;
}

/**
 * Defaults and their sources: sizes 16, 32 px (the scenes' items are 16–32 px; ViLD's "anchor size 8"
 * is 8 × the level's stride, 32 px at stride 4), ratios 0.5, 1, 2 (torchvision, Detectron and ViLD:
 * {1, 2, 0.5}), convs 1 (torchvision `RPNHead`), preNms 1000 (torchvision's and ViLD's test-time
 * pre-NMS count; they train with 2000), nmsIou 0.7 (torchvision, ViLD), minSize 0.001 (torchvision's
 * `min_size`), addGtBoxes on (torchvision `add_gt_proposals`, the official code's `mix_gt_boxes`).
 * The post-NMS count is the detector's `regions`.
 */
export const RPN_DEFAULTS: RpnConfig = {
  sizes: [16, 32],
  ratios: [0.5, 1, 2],
  convs: 1,
  preNms: 1000,
  nmsIou: 0.7,
  minSize: 0.001,
  addGtBoxes: true,
};

/** Annotated boxes of a batch: [B · slots · 4] pixels and the real count of each image. */
export interface GtBoxes {
  readonly boxes: ArrayLike<number>;
  readonly slots: number;
  readonly counts: ArrayLike<number>;
}

/**
 * The R regions of each image from its RPN outputs (`filterProposals`, post-NMS count R): boxes
 * [B · R · 4] (pixels) and mask [B · R] (1 real, 0 padding: zero boxes when fewer survive NMS). With
 * `gt`, each image's first `counts[i]` annotated boxes follow its proposals (torchvision appends them
 * too), taking the place of the last proposals, so an image with g boxes has the best R − g
 * proposals and its g boxes (torchvision keeps R proposals + g; here R is the model's fixed region count).
 */
export function rpnRegions(
  anchors: ArrayLike<number>,
  objectness: ArrayLike<number>,
  deltas: ArrayLike<number>,
  shape: { readonly images: number; readonly regions: number; readonly imageSize: readonly [number, number] },
  rpn: RpnConfig,
  gt?: GtBoxes,
): { boxes: Float32Array; mask: Float32Array } {
  const { images, regions } = shape;
  const a = anchors.length / 4;
  const boxes = new Float32Array(images * regions * 4);
  const mask = new Float32Array(images * regions);
  for (let i = 0; i < images; i++) {
    const g = gt ? Math.min(Math.max(gt.counts[i]!, 0), gt.slots, regions) : 0;
    const proposals = filterProposals(
      anchors,
      subarray(objectness, i * a, (i + 1) * a),
      subarray(deltas, i * a * 4, (i + 1) * a * 4),
      {
        imageSize: shape.imageSize,
        preNms: rpn.preNms,
        postNms: regions - g,
        nmsIou: rpn.nmsIou,
        minSize: rpn.minSize,
      },
    );
    const n = proposals.scores.length;
    boxes.set(proposals.boxes, i * regions * 4);
    for (let j = 0; j < g; j++)
      for (let c = 0; c < 4; c++) boxes[(i * regions + n + j) * 4 + c] = gt!.boxes[(i * gt!.slots + j) * 4 + c]!;
    mask.fill(1, i * regions, i * regions + n + g);
  }
  return { boxes, mask };
}

function subarray(values: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  return values instanceof Float32Array ? values.subarray(from, to) : Array.prototype.slice.call(values, from, to);
}
