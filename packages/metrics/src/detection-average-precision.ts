import { assertBox, boxIou, type Box } from './box-iou.js';
import { precisionRecallArea, type ApInterpolation } from './precision-recall-area.js';
import { descendingOrder } from './ranking.js';
import { assertInteger } from './validate.js';

/** One detected box. Image ids are compared with `===` (so 1 and '1' are different images). */
export interface Detection {
  readonly imageId: string | number;
  readonly classId: number;
  /** [x1, y1, x2, y2], continuous coordinates (width x2 − x1) */
  readonly box: Box;
  readonly score: number;
}

/** One ground-truth box. */
export interface GroundTruthBox {
  readonly imageId: string | number;
  readonly classId: number;
  readonly box: Box;
}

export interface DetectionApOptions {
  /** class ids are integers in [0, numClasses) */
  readonly numClasses: number;
  /** a detection can match a ground truth with IoU ≥ this (default 0.5) */
  readonly iouThreshold?: number;
  /** default 'all-point' (VOC 2010+) */
  readonly interpolation?: ApInterpolation;
}

export interface DetectionApResult {
  /** AP of each class; NaN for a class without ground truth (0 for one with ground truth but no TP) */
  readonly ap: Float64Array;
  readonly groundTruths: Int32Array;
  readonly detections: Int32Array;
  readonly truePositives: Int32Array;
}

/**
 * Per-class detection AP at one IoU threshold. For each class, the detections are taken in order of
 * descending score (stable: equal scores keep their input order); each is matched to the unmatched
 * ground truth of the same class in the same image with the highest IoU, if that IoU ≥ the
 * threshold (on equal IoUs, the earlier ground truth in input order) → true positive, and that
 * ground truth is used up; otherwise (no overlap, or only already-matched ground truths: a
 * duplicate) → false positive. With TP_n, FP_n after n detections, recall_n = TP_n / #GT and
 * precision_n = TP_n / n, and AP is the area under that curve (`precisionRecallArea`).
 */
export function detectionAveragePrecision(
  detections: readonly Detection[],
  groundTruths: readonly GroundTruthBox[],
  options: DetectionApOptions,
): DetectionApResult {
  const what = 'detectionAveragePrecision';
  const K = options.numClasses;
  assertInteger(what, 'numClasses', K, 1);
  const threshold = options.iouThreshold ?? 0.5;
  if (!(threshold > 0 && threshold <= 1)) throw new Error(`${what}: iouThreshold must be in (0, 1], got ${threshold}`);
  const checkClass = (name: string, c: number) => {
    if (!Number.isInteger(c) || c < 0 || c >= K)
      throw new Error(`${what}: ${name} has classId ${c}, not an integer in [0, ${K})`);
  };

  // ground truths by class, then by image
  const gtByClass: Map<string | number, Box[]>[] = Array.from({ length: K }, () => new Map());
  const groundTruthCount = new Int32Array(K);
  groundTruths.forEach((g, i) => {
    checkClass(`groundTruths[${i}]`, g.classId);
    assertBox(what, `groundTruths[${i}].box`, g.box);
    const byImage = gtByClass[g.classId]!;
    const list = byImage.get(g.imageId);
    if (list) list.push(g.box);
    else byImage.set(g.imageId, [g.box]);
    groundTruthCount[g.classId]!++;
  });
  const detByClass: Detection[][] = Array.from({ length: K }, () => []);
  detections.forEach((d, i) => {
    checkClass(`detections[${i}]`, d.classId);
    if (typeof d.score !== 'number' || Number.isNaN(d.score))
      throw new Error(`${what}: detections[${i}] has score ${d.score}`);
    assertBox(what, `detections[${i}].box`, d.box);
    detByClass[d.classId]!.push(d);
  });

  const ap = new Float64Array(K);
  const detectionCount = new Int32Array(K);
  const truePositives = new Int32Array(K);
  for (let c = 0; c < K; c++) {
    const dets = detByClass[c]!;
    detectionCount[c] = dets.length;
    const nGt = groundTruthCount[c]!;
    const matched = new Map<string | number, Uint8Array>();
    for (const [imageId, boxes] of gtByClass[c]!) matched.set(imageId, new Uint8Array(boxes.length));
    const order = descendingOrder(dets.map((d) => d.score));
    const recall = new Float64Array(dets.length);
    const precision = new Float64Array(dets.length);
    let tp = 0;
    order.forEach((di, rank) => {
      const d = dets[di]!;
      const boxes = gtByClass[c]!.get(d.imageId);
      let best = -1;
      let bestIou = threshold;
      if (boxes) {
        const used = matched.get(d.imageId)!;
        for (let g = 0; g < boxes.length; g++) {
          if (used[g]) continue;
          const iou = boxIou(d.box, boxes[g]!);
          if (iou >= bestIou && (best < 0 || iou > bestIou)) {
            best = g;
            bestIou = iou;
          }
        }
        if (best >= 0) {
          used[best] = 1;
          tp++;
        }
      }
      recall[rank] = nGt === 0 ? 0 : tp / nGt;
      precision[rank] = tp / (rank + 1);
    });
    truePositives[c] = tp;
    ap[c] = nGt === 0 ? NaN : precisionRecallArea(recall, precision, options.interpolation ?? 'all-point');
  }
  return { ap, groundTruths: groundTruthCount, detections: detectionCount, truePositives };
}
