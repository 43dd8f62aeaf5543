import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clipBox, decodeBoxDelta, encodeBoxDelta } from './box-coder.js';
import { decodeDetections } from './decode-detections.js';
import { boxRegressionLoss, regionClassificationLoss } from './detection-losses.js';
import { nonMaximumSuppression, perClassNonMaximumSuppression } from './nms.js';
import { regionTargets } from './region-targets.js';

/** torchvision's values (tools/golden/detection.py). */
const golden = JSON.parse(readFileSync(new URL('../__fixtures__/detection.golden.json', import.meta.url), 'utf8'));

const quads = (v: number[]): number[][] => Array.from({ length: v.length / 4 }, (_, i) => v.slice(i * 4, i * 4 + 4));
const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i]! - want[i]!), `index ${i}: ${got[i]} vs ${want[i]}`).toBeLessThan(tol);
};

describe('detection against torchvision', () => {
  it('encodes and decodes Faster R-CNN box deltas (weights 10, 10, 5, 5; log-scale clip) and clips to the image', () => {
    const c = golden.coding;
    const [h, w] = golden.imageSize;
    const proposals = quads(c.proposals);
    near(
      quads(c.targets).flatMap((t, i) => encodeBoxDelta(proposals[i]!, t)),
      c.encoded,
      1e-9,
    );
    const decoded = quads(c.deltas).map((d, i) => decodeBoxDelta(proposals[i]!, d));
    near(decoded.flat(), c.decoded, 1e-6);
    near(
      decoded.flatMap((b) => clipBox(b, h, w)),
      c.clipped,
      1e-9,
    );
  });

  it('greedy NMS and per-class NMS keep the same boxes in the same order', () => {
    const n = golden.nms;
    const boxes = quads(n.boxes);
    expect(nonMaximumSuppression(boxes, n.scores, n.iou)).toEqual(n.kept);
    expect(perClassNonMaximumSuppression(boxes, n.scores, n.classes, n.iou)).toEqual(n.keptPerClass);
  });

  it('decodes detections as RoIHeads.postprocess_detections does (softmax, decode, clip, threshold, small boxes, per-class NMS, top N)', () => {
    const d = golden.decoding;
    const regions = quads(d.regions);
    const probabilities = tf.tidy(() => tf.softmax(tf.tensor2d(d.logits, [regions.length, d.classes + 1])).dataSync());
    for (const c of d.cases) {
      const found = decodeDetections(
        probabilities,
        d.deltas,
        regions,
        regions.map(() => 1),
        {
          imageSize: golden.imageSize,
          scoreThreshold: c.scoreThreshold,
          nmsIoU: d.nmsIoU,
          maxDetections: c.maxDetections,
        },
      );
      expect(found.map((x) => x.classId)).toEqual(c.classes);
      near(
        found.map((x) => x.score),
        c.scores,
        1e-6,
      );
      near(
        found.flatMap((x) => x.box),
        c.boxes,
        1e-4,
      );
    }
  });

  const l = golden.losses;
  const targets = () =>
    regionTargets(
      { images: l.images, perImage: l.regionsPerImage, boxes: l.regions, mask: l.mask },
      { slots: l.slots, boxes: l.gtBoxes, classes: l.gtClasses, counts: l.gtCounts },
      { foregroundIoU: 0.5 },
    );

  it('labels regions by IoU with the annotations (Matcher 0.5 / 0.5) and encodes the foreground targets; padding is ignored', () => {
    const t = targets();
    expect(Array.from(t.rows)).toEqual(l.rows);
    expect(Array.from(t.labels)).toEqual(l.labels);
    expect(Array.from(t.foregroundRows)).toEqual(l.foregroundRows);
    near(t.boxTargets, l.boxTargets, 1e-5);
  });

  it('region classification CE and box smooth-L1 (β 1 and 1/9) equal torch, with the same gradients', () => {
    const t = targets();
    const n = l.images * l.regionsPerImage;
    const logits = tf.tensor2d(l.logits, [n, l.classes + 1]);
    const deltas = tf.tensor2d(l.deltas, [n, 4]);
    const cls = tf.valueAndGrad((z: tf.Tensor) => regionClassificationLoss(z as tf.Tensor2D, t.rows, t.labels))(logits);
    expect(cls.value.dataSync()[0]).toBeCloseTo(l.cls, 5);
    near(cls.grad.dataSync(), l.gradCls, 1e-6);
    for (const key of ['box', 'boxBetaNinth']) {
      const g = l[key];
      const box = tf.valueAndGrad((d: tf.Tensor) =>
        boxRegressionLoss(d as tf.Tensor2D, t.foregroundRows, t.boxTargets, g.beta),
      )(deltas);
      expect(box.value.dataSync()[0]).toBeCloseTo(g.value, 5);
      near(box.grad.dataSync(), g.grad, 1e-6);
      tf.dispose([box.value, box.grad]);
    }
    tf.dispose([logits, deltas, cls.value, cls.grad]);
  });
});
