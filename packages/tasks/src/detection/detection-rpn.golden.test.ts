import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anchorTargets } from './anchor-targets.js';
import { objectnessLoss, rpnBoxLoss } from './rpn-losses.js';

/** torchvision's RegionProposalNetwork values (tools/golden/detection_rpn.py). */
const g = JSON.parse(readFileSync(new URL('../__fixtures__/detection-rpn.golden.json', import.meta.url), 'utf8'));

const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i]! - want[i]!), `index ${i}: ${got[i]} vs ${want[i]}`).toBeLessThan(tol);
};

describe('RPN terms against torchvision', () => {
  // every labelled anchor is sampled (more asked for than there are), as on the torch side
  const targets = () =>
    anchorTargets(
      { images: g.images, perImage: g.anchorsPerImage, boxes: g.anchors },
      { slots: g.slots, boxes: g.gtBoxes, classes: g.gtBoxes.map(() => 0), counts: g.gtCounts },
      {
        foregroundIoU: g.foregroundIoU,
        backgroundIoU: g.backgroundIoU,
        sample: { perImage: 1000, foregroundFraction: 0.5, seed: 0 },
      },
    );

  it('labels anchors as Matcher(0.7, 0.3, allow_low_quality_matches) does and encodes targets with weights (1, 1, 1, 1); padded anchors and boxes are ignored', () => {
    const t = targets();
    expect(Array.from(t.rows)).toEqual(g.rows);
    expect(Array.from(t.labels)).toEqual(g.labels);
    expect(Array.from(t.foregroundRows)).toEqual(g.foregroundRows);
    near(t.boxTargets, g.boxTargets, 1e-5);
  });

  it('objectness BCE and RPN box smooth-L1 (β 1/9, / sampled anchors) equal compute_loss, with the same gradients', () => {
    const t = targets();
    const n = g.images * g.anchorsPerImage;
    const objectness = tf.tensor1d(g.objectness);
    const deltas = tf.tensor2d(g.deltas, [n, 4]);
    const obj = tf.valueAndGrad((z: tf.Tensor) => objectnessLoss(z as tf.Tensor1D, t.rows, t.labels))(objectness);
    expect(Math.abs(obj.value.dataSync()[0]! - g.objectnessLoss)).toBeLessThan(1e-5);
    near(obj.grad.dataSync(), g.gradObjectness, 1e-5);
    const box = tf.valueAndGrad((d: tf.Tensor) =>
      rpnBoxLoss(d as tf.Tensor2D, t.foregroundRows, t.boxTargets, t.rows.length, g.beta),
    )(deltas);
    expect(Math.abs(box.value.dataSync()[0]! - g.boxLoss)).toBeLessThan(1e-5);
    near(box.grad.dataSync(), g.gradDeltas, 1e-5);
    tf.dispose([objectness, deltas, obj.value, obj.grad, box.value, box.grad]);
  });
});
