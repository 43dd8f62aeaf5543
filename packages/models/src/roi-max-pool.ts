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
 * --------------
 * The bins are planned on the CPU from the box data (boxes and indices are read synchronously) and
 * grouped by their clamped size M × L. Each group yields a table of candidate maxima [rows, C] and
 * their element indices into the map's data, by a running first maximum over the M·L row-major cell
 * shifts (a shift replaces the current best only where tf.greater, i.e. strictly greater, so the
 * first maximum wins — never tf.max, whose gradient splits between ties):
 * - dense, when the group has at least as many bins as there are M × L windows in the map: over the
 *   shifted [B, H−M+1, W−L+1, C] views of the map, one table row per window;
 * - otherwise over the group's bins, gathering each shift's cells: one table row per bin.
 * Empty bins point at a zero row whose element index is one past the map. The pooled output and the
 * winners' indices are single row gathers from the concatenated tables, in (r, i, j) bin order; the
 * backward scatters dy·score·valid onto the winners with scatterND (which sums duplicates).
 * Working memory: O(R·ph·pw·C + B·H·W·C) — no [R, ph, pw, H, W, C]-sized tensors.
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

/** Bins of equal clamped size M × L: their ids (in (r, i, j) order) and [b, hs, ws] each. */
interface BinGroup {
  m: number;
  l: number;
  bins: number[];
  corners: number[];
}

/** The bins of every RoI, grouped by size (M = 0 for empty bins), and which RoIs are malformed. */
function planBins(
  boxData: ArrayLike<number>,
  indexData: ArrayLike<number>,
  scale: number,
  [ph, pw]: [number, number],
  h: number,
  w: number,
): { groups: BinGroup[]; malformed: boolean[] } {
  const groups = new Map<number, BinGroup>();
  const malformed: boolean[] = [];
  const fscale = Math.fround(scale);
  const q = (u: number) => roundHalfAwayFromZero(Math.fround(Math.fround(u) * fscale));
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
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
        const ws = clamp(Math.floor(Math.fround(j * binW)) + startW, w);
        const we = clamp(Math.ceil(Math.fround((j + 1) * binW)) + startW, w);
        const empty = he <= hs || we <= ws;
        const [m, l] = empty ? [0, 0] : [he - hs, we - ws];
        const key = m * (w + 1) + l;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { m, l, bins: [], corners: [] }));
        group.bins.push((r * ph + i) * pw + j);
        group.corners.push(indexData[r]!, hs, ws);
      }
    }
  }
  return { groups: [...groups.values()], malformed };
}

/** Candidate maxima of a group of bins: values and element indices [rows, C], and each bin's row. */
interface GroupTable {
  values: tf.Tensor2D;
  indices: tf.Tensor2D;
  rowOfBin: Int32Array;
}

/**
 * The first maxima (row-major) of a group of M × L bins. `elements` holds every map element's flat
 * index ([B, H, W, C] int32, 0 … B·H·W·C − 1).
 */
function groupTable(map: tf.Tensor4D, elements: tf.Tensor4D, group: BinGroup): GroupTable {
  const [b, h, w, c] = map.shape;
  const { m, l, corners } = group;
  const n = group.bins.length;
  if (m === 0) {
    // empty bins: value 0, element index b·h·w·c (one past the map; its gradient is dropped)
    return { values: tf.zeros([1, c]), indices: tf.fill([1, c], b * h * w * c, 'int32'), rowOfBin: new Int32Array(n) };
  }
  const [vh, vw] = [h - m + 1, w - l + 1];
  const dense = n >= b * vh * vw;
  const rowOfBin = new Int32Array(n);
  const baseRow = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const [bi, hs, ws] = [corners[3 * k]!, corners[3 * k + 1]!, corners[3 * k + 2]!];
    rowOfBin[k] = dense ? (bi * vh + hs) * vw + ws : k;
    baseRow[k] = (bi * h + hs) * w + ws;
  }
  return tf.tidy(() => {
    // the cells at shift (dy, dx) of every window / bin: their values and element indices [rows, C]
    let shiftOf: (dy: number, dx: number) => [tf.Tensor2D, tf.Tensor2D];
    if (dense) {
      const view = (of: tf.Tensor4D, dy: number, dx: number) =>
        tf.reshape(tf.slice(of, [0, dy, dx, 0], [b, vh, vw, c]), [b * vh * vw, c]) as tf.Tensor2D;
      shiftOf = (dy, dx) => [view(map, dy, dx), view(elements, dy, dx)];
    } else {
      const mapRows = tf.reshape(map, [b * h * w, c]);
      const elementRows = tf.reshape(elements, [b * h * w, c]);
      shiftOf = (dy, dx) =>
        tf.tidy(() => {
          const cells = tf.tensor1d(
            baseRow.map((row) => row + dy * w + dx),
            'int32',
          );
          return [tf.gather(mapRows, cells), tf.gather(elementRows, cells)];
        }) as [tf.Tensor2D, tf.Tensor2D];
    }
    let [values, indices] = shiftOf(0, 0);
    for (let dy = 0; dy < m; dy++)
      for (let dx = dy === 0 ? 1 : 0; dx < l; dx++) {
        const [view, viewIndices] = shiftOf(dy, dx);
        const better = tf.greater(view, values); // strictly: the first maximum stays
        const next = [tf.where(better, view, values), tf.where(better, viewIndices, indices)];
        tf.dispose([values, indices, view, viewIndices, better]);
        [values, indices] = next as [tf.Tensor2D, tf.Tensor2D];
      }
    return { values, indices, rowOfBin };
  });
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

  const { groups, malformed } = planBins(boxData, indexData, spatialScale, outputSize, h, w);
  const bins = r * ph * pw;
  const cells = b * h * w;

  return tf.tidy(() => {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const map = args[0] as tf.Tensor4D;
      const scoreInput = args.length === 3 ? (args[1] as tf.Tensor1D) : undefined;
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const elements = tf.reshape(tf.range(0, cells * c, 1, 'int32'), [b, h, w, c]) as tf.Tensor4D;
      const tables = groups.map((g) => groupTable(map, elements, g));
      const rowOf = new Int32Array(bins);
      let tableStart = 0;
      groups.forEach((g, t) => {
        g.bins.forEach((bin, k) => (rowOf[bin] = tableStart + tables[t]!.rowOfBin[k]!));
        tableStart += tables[t]!.values.shape[0];
      });
      const rows = tf.tensor1d(rowOf, 'int32');
      const pick = (parts: tf.Tensor2D[], dtype: 'float32' | 'int32') =>
        parts.length === 0 ? tf.zeros([0, c], dtype) : tf.gather(tf.concat(parts, 0), rows);
      const flatIndex = pick(
        tables.map((t) => t.indices),
        'int32',
      );
      const pooled = tf.reshape(
        pick(
          tables.map((t) => t.values),
          'float32',
        ),
        [r, ph, pw, c],
      );
      const valid = tf.tensor1d(
        malformed.map((m) => (m ? 0 : 1)),
        'float32',
      );
      const scale = scoreInput ? tf.cast(scoreInput, 'float32') : tf.ones([r]);
      save([flatIndex, tf.mul(scale, valid)]); // [bins, C] element indices; score · valid [R]
      return {
        value: scoreInput ? tf.mul(pooled, tf.reshape(scale, [r, 1, 1, 1])) : pooled,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [savedIndex, gradScale] = saved as [tf.Tensor2D, tf.Tensor1D];
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
