/**
 * RoI max pooling as in Caffe / Fast R-CNN (the `ROIPooling` layer WSDDN builds on), with exactly
 * torchvision.ops.roi_pool's semantics.
 *
 * Quantisation
 * ------------
 * A box [x1, y1, x2, y2] (input pixels) of image `b` is mapped to integer feature cells with C's
 * round(), which rounds half AWAY from zero (JS Math.round rounds half up: Math.round(-0.5) = -0,
 * C gives -1): startW = round(x1·scale), endW = round(x2·scale), likewise in y. The RoI spans
 * roiW = max(endW − startW + 1, 1) cells (so a malformed box with endW < startW becomes one cell
 * wide), likewise roiH. Bin (i, j) of the ph × pw grid covers rows
 * [floor(i·roiH/ph) + startH, ceil((i+1)·roiH/ph) + startH) and columns likewise, each end clamped to
 * [0, H] / [0, W] (x·scale and the bin sizes in float32, as torchvision computes them for a float32 map). Bins
 * overlap where the division is not exact; an empty bin (nothing left after clamping) gives 0,
 * otherwise the bin's maximum. With `scores`, RoI r's output is multiplied by scores[r].
 *
 * Gradient
 * --------
 * Only w.r.t. the feature map (boxes, indices and scores get none / zeros). Each output's upstream
 * gradient, times scores[r], goes to the FIRST maximum of its bin in row-major (y, then x) order —
 * torchvision's argmax (`if (val > maxval)`), never split between ties as tf.max's gradient would.
 * Exception: a malformed RoI (endW < startW or endH < startH) gets NO gradient. torchvision routes
 * one to its one-cell-wide argmax, but the official Caffe backward only passes gradient to cells with
 * startW ≤ x ≤ endW and startH ≤ y ≤ endH, which no cell satisfies when end < start; we follow Caffe.
 *
 * Implementation
 * ------------
 * The bins' windows are planned on the CPU from the box data (boxes and indices are read
 * synchronously), then the forward is a plain loop over the map's values read once from the backend
 * (kd trains on CPU backends — wasm, cpu, tfjs-node — where that read is a copy): for each bin, its
 * cells in row-major order, every channel keeping the first strict maximum and its element index
 * (empty bins: 0, index one past the map). The backward scatters dy·score·valid onto those indices
 * with scatterND (which sums duplicates). An earlier version built the same maxima from tensor ops
 * (running `tf.greater`/`tf.where` over shifted views or gathered cells); it matched the same goldens
 * but took ≈ 300 ms for 1,024 RoIs of 4 × 4 bins on a 32 × 16 × 16 × 64 map, the loop a few ms.
 * Working memory: O(R·ph·pw·C + B·H·W·C).
 */
import * as tf from '@tensorflow/tfjs';

export interface RoiMaxPoolOptions {
  /**
   * Per-RoI multiplier [R] (WSDDN: the proposal's EdgeBoxes score), applied to the pooled features
   * and to their gradient; it receives no gradient itself.
   */
  scores?: tf.Tensor1D;
}

/** C's round(): half away from zero. */
function roundHalfAwayFromZero(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/**
 * Each bin's window on the map, as torchvision computes it (float32 arithmetic): `windows` holds
 * [image, hstart, hend, wstart, wend] per bin (RoI-major, then bin row, then column; clamped to the
 * map, hend ≤ hstart or wend ≤ wstart = empty), `malformed[r]` whether RoI r ends before it starts.
 */
function binWindows(
  boxData: ArrayLike<number>,
  indexData: ArrayLike<number>,
  scale: number,
  [ph, pw]: [number, number],
  h: number,
  w: number,
): { windows: Int32Array; malformed: boolean[] } {
  const windows = new Int32Array(indexData.length * ph * pw * 5);
  const malformed: boolean[] = [];
  const fscale = Math.fround(scale);
  const q = (u: number) => roundHalfAwayFromZero(Math.fround(Math.fround(u) * fscale));
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  let at = 0;
  for (let r = 0; r < indexData.length; r++) {
    const startW = q(boxData[4 * r]!);
    const startH = q(boxData[4 * r + 1]!);
    const endW = q(boxData[4 * r + 2]!);
    const endH = q(boxData[4 * r + 3]!);
    malformed.push(endW < startW || endH < startH);
    const binH = Math.fround(Math.max(endH - startH + 1, 1) / ph);
    const binW = Math.fround(Math.max(endW - startW + 1, 1) / pw);
    for (let i = 0; i < ph; i++) {
      const hs = clamp(Math.floor(Math.fround(i * binH)) + startH, h);
      const he = clamp(Math.ceil(Math.fround((i + 1) * binH)) + startH, h);
      for (let j = 0; j < pw; j++) {
        windows[at++] = indexData[r]!;
        windows[at++] = hs;
        windows[at++] = he;
        windows[at++] = clamp(Math.floor(Math.fround(j * binW)) + startW, w);
        windows[at++] = clamp(Math.ceil(Math.fround((j + 1) * binW)) + startW, w);
      }
    }
  }
  return { windows, malformed };
}

/**
 * The bins' first maxima over the map's values (NHWC, read once from the backend): pooled values and
 * the flat element index of each maximum ([bins · C]; −1 for an empty bin). Cells are scanned in
 * row-major order with a strict comparison, so the first maximum wins, as torchvision's kernel.
 */
function firstMaxima(
  data: ArrayLike<number>,
  windows: Int32Array,
  [, h, w, c]: readonly number[],
): { values: Float32Array; argmax: Int32Array } {
  const bins = windows.length / 5;
  const values = new Float32Array(bins * c);
  const argmax = new Int32Array(bins * c).fill(-1);
  for (let k = 0; k < bins; k++) {
    const [img, hs, he, ws, we] = windows.subarray(5 * k, 5 * k + 5) as unknown as number[];
    if (he! <= hs! || we! <= ws!) continue; // empty: 0, no gradient
    const out = k * c;
    for (let y = hs!; y < he!; y++)
      for (let x = ws!; x < we!; x++) {
        const cell = ((img! * h + y) * w + x) * c;
        for (let ch = 0; ch < c; ch++) {
          const v = data[cell + ch]!;
          if (argmax[out + ch] === -1 || v > values[out + ch]!) {
            values[out + ch] = v;
            argmax[out + ch] = cell + ch;
          }
        }
      }
  }
  return { values, argmax };
}

/**
 * Caffe / Fast R-CNN RoI max pooling (torchvision.ops.roi_pool): pools each box of `boxes` ([R, 4],
 * [x1, y1, x2, y2] in input-image pixels) from image `boxIndices[r]` of `featureMap` ([B, H, W, C],
 * NHWC) into an [outputSize[0], outputSize[1]] grid of bin maxima → [R, ph, pw, C].
 * `spatialScale` maps input pixels to feature cells (1 / stride, e.g. 1/16 for VGG16 conv5).
 * Quantisation, empty bins, the first-maximum gradient and the malformed-RoI rule: see the top of
 * this file. Differentiable w.r.t. `featureMap` only; `options.scores` multiplies RoI r's output
 * (and its gradient) by scores[r].
 */
export function roiMaxPool(
  featureMap: tf.Tensor4D,
  boxes: tf.Tensor2D | number[][],
  boxIndices: tf.Tensor1D | number[],
  spatialScale: number,
  outputSize: [number, number],
  options: RoiMaxPoolOptions = {},
): tf.Tensor4D {
  if (featureMap.rank !== 4) throw new Error(`roiMaxPool: featureMap must be [B, H, W, C], got [${featureMap.shape}]`);
  const [ph, pw] = outputSize;
  if (!Number.isInteger(ph) || !Number.isInteger(pw) || ph < 1 || pw < 1) {
    throw new Error(`roiMaxPool: outputSize must be two positive integers, got [${outputSize}]`);
  }
  if (!(Number.isFinite(spatialScale) && spatialScale > 0)) {
    throw new Error(`roiMaxPool: spatialScale must be a positive number, got ${spatialScale}`);
  }
  const boxShape =
    boxes instanceof tf.Tensor ? boxes.shape : [boxes.length, boxes.every((x) => x.length === 4) ? 4 : -1];
  if (boxShape.length !== 2 || boxShape[1] !== 4)
    throw new Error(`roiMaxPool: boxes must be [R, 4], got [${boxShape}]`);
  const r = boxShape[0]!;
  const boxData = boxes instanceof tf.Tensor ? boxes.dataSync() : boxes.flat();
  if (!Array.from(boxData).every(Number.isFinite)) throw new Error('roiMaxPool: boxes must be finite numbers');
  const indexShape = boxIndices instanceof tf.Tensor ? boxIndices.shape : [boxIndices.length];
  if (indexShape.length !== 1 || indexShape[0] !== r) {
    throw new Error(`roiMaxPool: boxIndices must be [${r}], got [${indexShape}]`);
  }
  const [b, h, w, c] = featureMap.shape;
  const indexData = boxIndices instanceof tf.Tensor ? Array.from(boxIndices.dataSync()) : boxIndices;
  const badIndex = indexData.find((i) => !Number.isInteger(i) || i < 0 || i >= b);
  if (badIndex !== undefined) throw new Error(`roiMaxPool: boxIndices must be integers in [0, ${b}), got ${badIndex}`);
  const { scores } = options;
  if (scores && (scores.rank !== 1 || scores.shape[0] !== r)) {
    throw new Error(`roiMaxPool: scores must be [${r}], got [${scores.shape}]`);
  }

  const { windows, malformed } = binWindows(boxData, indexData, spatialScale, outputSize, h, w);
  const bins = r * ph * pw;
  const cells = b * h * w;

  return tf.tidy(() => {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const map = args[0] as tf.Tensor4D;
      const scoreInput = args.length === 3 ? (args[1] as tf.Tensor1D) : undefined;
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const { values, argmax } = firstMaxima(map.dataSync(), windows, map.shape);
      // an empty bin's maximum points one past the map (its gradient is dropped)
      for (let i = 0; i < argmax.length; i++) if (argmax[i] === -1) argmax[i] = cells * c;
      const pooled = tf.tensor4d(values, [r, ph, pw, c]);
      const valid = tf.tensor1d(
        malformed.map((m) => (m ? 0 : 1)),
        'float32',
      );
      const scale = scoreInput ? tf.cast(scoreInput, 'float32') : tf.ones([r]);
      save([tf.tensor1d(argmax, 'int32'), tf.mul(scale, valid)]); // [bins · C] element indices; score · valid [R]
      return {
        value: scoreInput ? tf.mul(pooled, tf.reshape(scale, [r, 1, 1, 1])) : pooled,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [savedIndex, gradScale] = saved as [tf.Tensor1D, tf.Tensor1D];
          const noScoreGrad = scoreInput ? [tf.zerosLike(scoreInput)] : [];
          if (bins === 0) return [tf.zerosLike(map), ...noScoreGrad];
          const updates = tf.reshape(tf.mul(dy, tf.reshape(gradScale, [r, 1, 1, 1])), [bins * c]);
          const dData = tf.scatterND(tf.reshape(savedIndex, [bins * c, 1]), updates, [cells * c + 1]);
          const dMap = tf.reshape(tf.slice(dData, [0], [cells * c]), [b, h, w, c]);
          return [dMap, ...noScoreGrad];
        },
      };
    });
    return (scores ? op(featureMap, scores) : op(featureMap)) as tf.Tensor4D;
  });
}
