import type { Box } from '@kd/metrics';

/** A box [x1, y1, x2, y2] in pixels, continuous coordinates (width x2 − x1), as a plain tuple. */
export type BoxTuple = [number, number, number, number];

/**
 * Weights (wx, wy, ww, wh) of the Faster R-CNN box deltas: the centre offsets are divided by 0.1 and
 * the log-scales by 0.2 of their spread (torchvision's BoxCoder default and the TPU detection code's
 * `bbox_reg_weights`, which ViLD uses).
 */
export const BOX_DELTA_WEIGHTS: readonly [number, number, number, number] = [10, 10, 5, 5];

/** The largest log-scale a decoded delta may apply, log(1000 / 16) (torchvision, Detectron, TPU). */
export const BOX_SCALE_CLIP = Math.log(1000 / 16);

/**
 * The regression target that moves `proposal` onto `target` (torchvision `BoxCoder.encode_single`):
 * dx = wx·(cx_t − cx_p)/w_p, dy = wy·(cy_t − cy_p)/h_p, dw = ww·log(w_t/w_p), dh = wh·log(h_t/h_p),
 * with widths x2 − x1 and centres x1 + w/2. The proposal must have positive width and height.
 */
export function encodeBoxDelta(proposal: Box, target: Box, weights = BOX_DELTA_WEIGHTS): BoxTuple {
  const pw = proposal[2]! - proposal[0]!;
  const ph = proposal[3]! - proposal[1]!;
  if (!(pw > 0 && ph > 0)) throw new Error(`encodeBoxDelta: proposal [${Array.from(proposal).join(', ')}] has no area`);
  const px = proposal[0]! + 0.5 * pw;
  const py = proposal[1]! + 0.5 * ph;
  const tw = target[2]! - target[0]!;
  const th = target[3]! - target[1]!;
  const tx = target[0]! + 0.5 * tw;
  const ty = target[1]! + 0.5 * th;
  const [wx, wy, ww, wh] = weights;
  return [(wx * (tx - px)) / pw, (wy * (ty - py)) / ph, ww * Math.log(tw / pw), wh * Math.log(th / ph)];
}

/**
 * The box that `delta` makes of `proposal` (torchvision `BoxCoder.decode_single`): the inverse of
 * `encodeBoxDelta`, with the log-scales clipped at `BOX_SCALE_CLIP` so that exp() cannot overflow.
 */
export function decodeBoxDelta(proposal: Box, delta: ArrayLike<number>, weights = BOX_DELTA_WEIGHTS): BoxTuple {
  const pw = proposal[2]! - proposal[0]!;
  const ph = proposal[3]! - proposal[1]!;
  const px = proposal[0]! + 0.5 * pw;
  const py = proposal[1]! + 0.5 * ph;
  const [wx, wy, ww, wh] = weights;
  const cx = (delta[0]! / wx) * pw + px;
  const cy = (delta[1]! / wy) * ph + py;
  const w = Math.exp(Math.min(delta[2]! / ww, BOX_SCALE_CLIP)) * pw;
  const h = Math.exp(Math.min(delta[3]! / wh, BOX_SCALE_CLIP)) * ph;
  return [cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h];
}

/** `box` clamped to the image [0, width] × [0, height] (torchvision `clip_boxes_to_image`). */
export function clipBox(box: Box, height: number, width: number): BoxTuple {
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return [clamp(box[0]!, width), clamp(box[1]!, height), clamp(box[2]!, width), clamp(box[3]!, height)];
}
