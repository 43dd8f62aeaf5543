/**
 * RoI pooling of region features (RoIAlign) on top of tf.image.cropAndResize.
 *
 * Coordinate conventions
 * ----------------------
 * Boxes are [x1, y1, x2, y2] in INPUT-image pixel coordinates, continuous, with pixel-corner
 * origin: pixel (i, j) covers [j, j+1) × [i, i+1) and its centre is at (j + 0.5, i + 0.5); a box over
 * the whole image is [0, 0, w, h]. A feature map [B, H, W, C] computed from an [h, w] image has the
 * strides sy = h / H, sx = w / W (need not be integers, may differ per axis), and feature cell (i, j)
 * covers image pixels [j·sx, (j+1)·sx) × [i·sy, (i+1)·sy); its value sits at the cell centre. So an
 * image point (x, y) is at feature-index position (x / sx − 0.5, y / sy − 0.5), where integer
 * positions are cell centres and in-between values are bilinear.
 *
 * The box is split into ph × pw bins; each bin is sampled at s × s regularly spaced points (bin
 * centre when s = 1; `sampling`) which are averaged. This is torchvision's
 * `roi_align(x, rois, (ph, pw), spatial_scale = 1/stride, sampling_ratio = s, aligned = True)`
 * (for equal strides on both axes; the adaptive `sampling_ratio = -1` is not offered), including
 * its border rule: samples up to one cell outside the map (index position in [−1, 0] or [H−1, H])
 * take the edge value, samples farther out count as 0.
 *
 * cropAndResize speaks another language: normalised boxes [y1, x1, y2, x2] where a coordinate u
 * means index position u·(H − 1) — 0 is the centre of the first row, 1 the centre of the last, NOT
 * the image borders — and a crop of n > 1 rows samples n points from y1 to y2 inclusive (n = 1:
 * their midpoint); positions outside [0, H − 1] give the extrapolation value. We therefore
 * (1) pad the map by one replicated cell on each side (so the [−1, 0] band clamps to the edge as in
 * torchvision and H = 1 needs no special case: the padded map has H + 2 ≥ 3 rows), and
 * (2) hand cropAndResize the first and last SAMPLE positions, converted to padded index positions
 * and divided by (H + 2 − 1) — not the box corners.
 *
 * Gradients: tfjs has no gradient for CropAndResize, so the crop carries its own (w.r.t. the feature
 * map): bilinear sampling is separable, out[r,i,j] = Σ_y Σ_x Wy[r,i,y]·Wx[r,j,x]·F[b_r,y,x] with
 * hat-function weights Wy[r,i,y] = max(0, 1 − |y_i − y|), so ∂F is two batched matMuls per box
 * followed by a sum over the boxes of each image. Boxes and box indices get zero gradients.
 */
import * as tf from '@tensorflow/tfjs';

export interface RoiAlignOptions {
  /**
   * Sampling points per bin and axis, averaged (torchvision's `sampling_ratio`). 1 (default): one
   * bilinear sample at each bin centre, a single cropAndResize. 2: a (2ph × 2pw) crop followed by a
   * 2 × 2 average pool, i.e. RoIAlign with sampling ratio 2. Any positive integer s works likewise.
   */
  sampling?: number;
}

/** Sample index positions of a cropAndResize axis, [R, n] (exactly as the kernel computes them). */
function samplePositions(lo: tf.Tensor, hi: tf.Tensor, size: number, n: number): tf.Tensor {
  if (n === 1) return tf.mul(tf.mul(tf.add(lo, hi), 0.5), size - 1);
  const scale = tf.div(tf.mul(tf.sub(hi, lo), size - 1), n - 1); // [R, 1]
  return tf.add(tf.mul(lo, size - 1), tf.mul(tf.range(0, n, 1, 'float32').reshape([1, n]), scale));
}

/**
 * Bilinear weights [R, size, n]: weight of map row/column `k` in sample `i` (0 when the sample falls
 * outside [0, size − 1], where cropAndResize writes the extrapolation value).
 */
function hatWeights(pos: tf.Tensor, size: number): tf.Tensor {
  const valid = tf.cast(tf.logicalAnd(tf.greaterEqual(pos, 0), tf.lessEqual(pos, size - 1)), 'float32'); // [R, n]
  const grid = tf.range(0, size, 1, 'float32').reshape([1, size, 1]);
  const w = tf.relu(tf.sub(1, tf.abs(tf.sub(tf.expandDims(pos, 1), grid)))); // [R, size, n]
  return tf.mul(w, tf.expandDims(valid, 1));
}

/**
 * Replicates the first and last entry along `axis` once (edge padding). Built from slice + concat,
 * whose gradients fold the copies back onto the edge — unlike tf.mirrorPad, whose gradient (tfjs
 * 4.22) only slices the centre out and drops the contributions of the padded copies.
 */
function padEdge(x: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D {
  const n = x.shape[axis];
  const first = axis === 1 ? tf.slice(x, [0, 0, 0, 0], [-1, 1, -1, -1]) : tf.slice(x, [0, 0, 0, 0], [-1, -1, 1, -1]);
  const last =
    axis === 1 ? tf.slice(x, [0, n - 1, 0, 0], [-1, 1, -1, -1]) : tf.slice(x, [0, 0, n - 1, 0], [-1, -1, 1, -1]);
  return tf.concat([first, x, last], axis);
}

/** tf.image.cropAndResize (bilinear, extrapolation 0) with a gradient w.r.t. the image. */
function cropAndResizeWithGrad(
  image: tf.Tensor4D,
  boxes: tf.Tensor2D,
  boxIndF: tf.Tensor1D,
  crop: [number, number],
): tf.Tensor4D {
  const [batch, h, w, c] = image.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [img, bx, bi, save] = args as [tf.Tensor4D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const ind = tf.cast(bi, 'int32');
    save([bx, ind]);
    return {
      value: tf.image.cropAndResize(img, bx, ind, crop, 'bilinear', 0),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sb, sInd] = saved as [tf.Tensor2D, tf.Tensor1D];
        const [y1, x1, y2, x2] = tf.split(sb, 4, 1);
        const wy = hatWeights(samplePositions(y1!, y2!, h, crop[0]), h); // [R, H, ch]
        const wx = hatWeights(samplePositions(x1!, x2!, w, crop[1]), w); // [R, W, cw]
        const r = sb.shape[0];
        const [ch, cw] = crop;
        // Σ_j Wx[r,x,j]·dy[r,i,j,c] → [R, W, ch, C], then Σ_i Wy[r,y,i]·(…)[r,i,x,c] → [R, H, W, C].
        // Plain 3-D batched matMuls: tfjs 4.22 mis-broadcasts batch dims like [R,1]×[R,H] in rank-4 matMul.
        const dyT = tf.reshape(tf.transpose(dy, [0, 2, 1, 3]), [r, cw, ch * c]);
        const u = tf.reshape(tf.matMul(wx, dyT), [r, w, ch, c]);
        const uT = tf.reshape(tf.transpose(u, [0, 2, 1, 3]), [r, ch, w * c]);
        const perBox = tf.matMul(wy, uT); // [R, H, W·C]
        // segment sum over the boxes of each image, as a one-hot matMul (no UnsortedSegmentSum on wasm)
        const route = tf.cast(
          tf.equal(tf.range(0, batch, 1, 'int32').reshape([batch, 1]), tf.reshape(sInd, [1, r])),
          'float32',
        ); // [B, R]
        const dImage = tf.matMul(route, tf.reshape(perBox, [r, h * w * c])).reshape([batch, h, w, c]);
        return [dImage, tf.zerosLike(sb), tf.zerosLike(boxIndF)];
      },
    };
  });
  return op(image, boxes, boxIndF) as tf.Tensor4D;
}

/**
 * RoIAlign: pools each box of `boxes` ([R, 4], [x1, y1, x2, y2] in input-image pixels; x2 ≥ x1,
 * y2 ≥ y1) from image `boxIndices[r]` of `featureMap` ([B, H, W, C], NHWC) into an
 * [outputSize[0], outputSize[1]] grid → [R, ph, pw, C]. `imageSize` = [h, w] of the input image the
 * boxes refer to; the feature stride is imageSize / [H, W]. Conventions and the mapping onto
 * cropAndResize: see the top of this file. Box indices must lie in [0, B). Differentiable w.r.t.
 * `featureMap` (not the boxes).
 */
export function roiAlign(
  featureMap: tf.Tensor4D,
  boxes: tf.Tensor2D | number[][],
  boxIndices: tf.Tensor1D | number[],
  imageSize: [number, number],
  outputSize: [number, number],
  options: RoiAlignOptions = {},
): tf.Tensor4D {
  const s = options.sampling ?? 1;
  if (featureMap.rank !== 4) throw new Error(`roiAlign: featureMap must be [B, H, W, C], got [${featureMap.shape}]`);
  if (!Number.isInteger(s) || s < 1) throw new Error(`roiAlign: sampling must be a positive integer, got ${s}`);
  const [ph, pw] = outputSize;
  if (!Number.isInteger(ph) || !Number.isInteger(pw) || ph < 1 || pw < 1) {
    throw new Error(`roiAlign: outputSize must be two positive integers, got [${outputSize}]`);
  }
  if (!(imageSize[0] > 0 && imageSize[1] > 0))
    throw new Error(`roiAlign: imageSize must be positive, got [${imageSize}]`);
  const [, h, w] = featureMap.shape;
  return tf.tidy(() => {
    const bx = boxes instanceof tf.Tensor ? tf.cast(boxes, 'float32') : tf.tensor2d(boxes, undefined, 'float32');
    const bi = boxIndices instanceof tf.Tensor ? tf.cast(boxIndices, 'float32') : tf.tensor1d(boxIndices, 'float32');
    if (bx.rank !== 2 || bx.shape[1] !== 4) throw new Error(`roiAlign: boxes must be [R, 4], got [${bx.shape}]`);
    if (bi.rank !== 1 || bi.shape[0] !== bx.shape[0]) {
      throw new Error(`roiAlign: boxIndices must be [${bx.shape[0]}], got [${bi.shape}]`);
    }
    const padded = padEdge(padEdge(featureMap, 1), 2);
    const [x1, y1, x2, y2] = tf.split(bx, 4, 1);
    // one axis: pixel box [lo, hi] → feature units (cell k = [k, k+1)) → first / last sample centre
    // → padded index position (+1 pad − 0.5 centre offset) → cropAndResize's normalised coordinate
    const axis = (lo: tf.Tensor, hi: tf.Tensor, img: number, feat: number, n: number): [tf.Tensor, tf.Tensor] => {
      const u1 = tf.mul(lo, feat / img);
      const u2 = tf.mul(hi, feat / img);
      const half = tf.div(tf.sub(u2, u1), 2 * n);
      const first = tf.add(tf.add(u1, half), 0.5);
      const last = tf.add(tf.sub(u2, half), 0.5);
      return [tf.div(first, feat + 1), tf.div(last, feat + 1)];
    };
    const [ny1, ny2] = axis(y1!, y2!, imageSize[0], h, ph * s);
    const [nx1, nx2] = axis(x1!, x2!, imageSize[1], w, pw * s);
    const norm = tf.concat([ny1, nx1, ny2, nx2], 1) as tf.Tensor2D;
    const crop = cropAndResizeWithGrad(padded, norm, bi as tf.Tensor1D, [ph * s, pw * s]);
    return s === 1 ? crop : tf.avgPool(crop, [s, s], [s, s], 'valid');
  });
}
