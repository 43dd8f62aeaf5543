/**
 * The proposals of a region proposal network for one image, as torchvision 0.14's
 * `RegionProposalNetwork.filter_proposals` (one feature level, score_thresh 0): the `preNms` anchors
 * of highest objectness logit, their deltas decoded (`decodeAnchorDeltas`), clipped to the image,
 * those with a side under `minSize` dropped, greedy NMS at `nmsIou` on the sigmoid scores, the best
 * `postNms` kept. Plain arrays: the proposals carry no gradient (Faster R-CNN), so they are computed
 * off the tape.
 */
export interface ProposalFilterOptions {
  /** Image [height, width] in pixels (boxes are clipped to [0, width] × [0, height]). */
  readonly imageSize: readonly [number, number];
  /** Anchors kept by objectness before decoding and NMS (torchvision `pre_nms_top_n`). */
  readonly preNms: number;
  /** Proposals kept after NMS (torchvision `post_nms_top_n`). */
  readonly postNms: number;
  /** NMS drops a box whose IoU with a better kept box exceeds this. */
  readonly nmsIou: number;
  /** A box is dropped when its width or height is below this, pixels (torchvision `min_size`). */
  readonly minSize: number;
}

export interface ImageProposals {
  /** [n · 4] pixels x1, y1, x2, y2, best first. */
  readonly boxes: Float32Array;
  /** [n] sigmoid objectness of each box. */
  readonly scores: Float32Array;
}

/** The largest log-scale a decoded delta may apply, log(1000 / 16) (torchvision `BoxCoder.bbox_xform_clip`). */
export const RPN_SCALE_CLIP = Math.log(1000 / 16);

/**
 * The box that `deltas[at·4 …]` makes of anchor `anchors[at·4 …]` (torchvision `BoxCoder.decode_single`
 * with the RPN's weights 1, 1, 1, 1): centre moved by (dx·w, dy·h), sides scaled by exp(dw), exp(dh),
 * the log-scales clamped at `RPN_SCALE_CLIP`.
 */
export function decodeAnchorDeltas(anchors: ArrayLike<number>, deltas: ArrayLike<number>, at: number): number[] {
  const [x1, y1, x2, y2] = [anchors[at * 4]!, anchors[at * 4 + 1]!, anchors[at * 4 + 2]!, anchors[at * 4 + 3]!];
  const w = x2 - x1;
  const h = y2 - y1;
  const cx = x1 + 0.5 * w + deltas[at * 4]! * w;
  const cy = y1 + 0.5 * h + deltas[at * 4 + 1]! * h;
  const pw = Math.exp(Math.min(deltas[at * 4 + 2]!, RPN_SCALE_CLIP)) * w;
  const ph = Math.exp(Math.min(deltas[at * 4 + 3]!, RPN_SCALE_CLIP)) * h;
  return [cx - 0.5 * pw, cy - 0.5 * ph, cx + 0.5 * pw, cy + 0.5 * ph];
}

function iou(a: readonly number[], b: readonly number[]): number {
  const iw = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const ih = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter);
}

/**
 * Proposals of one image from its anchors [A · 4], objectness logits [A] and deltas [A · 4]; anchors
 * without area (padding) are never proposed. See ProposalFilterOptions for the steps.
 */
export function filterProposals(
  anchors: ArrayLike<number>,
  objectness: ArrayLike<number>,
  deltas: ArrayLike<number>,
  options: ProposalFilterOptions,
): ImageProposals {
  const [height, width] = options.imageSize;
  const real: number[] = [];
  for (let a = 0; a < objectness.length; a++)
    if (anchors[a * 4 + 2]! > anchors[a * 4]! && anchors[a * 4 + 3]! > anchors[a * 4 + 1]!) real.push(a);
  // top-k by logit (torch.topk: best first; equal logits in index order)
  const top = real.sort((p, q) => objectness[q]! - objectness[p]! || p - q).slice(0, options.preNms);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const candidates: { box: number[]; score: number }[] = [];
  for (const a of top) {
    const [x1, y1, x2, y2] = decodeAnchorDeltas(anchors, deltas, a);
    const box = [clamp(x1!, width), clamp(y1!, height), clamp(x2!, width), clamp(y2!, height)];
    if (box[2]! - box[0]! < options.minSize || box[3]! - box[1]! < options.minSize) continue;
    candidates.push({ box, score: 1 / (1 + Math.exp(-objectness[a]!)) });
  }
  // greedy NMS (torchvision ops.nms) over candidates already best first; stops at postNms
  const kept: { box: number[]; score: number }[] = [];
  for (const c of candidates) {
    if (kept.length >= options.postNms) break;
    if (kept.every((k) => iou(k.box, c.box) <= options.nmsIou)) kept.push(c);
  }
  return {
    boxes: Float32Array.from(kept.flatMap((k) => k.box)),
    scores: Float32Array.from(kept.map((k) => k.score)),
  };
}
