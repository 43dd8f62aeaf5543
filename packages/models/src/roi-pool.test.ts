import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { roiAlign } from './roi-pool.js';

/**
 * A loop port of torchvision's roi_align (aligned=True, fixed sampling_ratio; CPU kernel) on an NHWC
 * map, returning the output and, for an upstream gradient `dy`, the gradient w.r.t. the map.
 */
function referenceRoiAlign(
  map: { data: ArrayLike<number>; shape: number[] },
  boxes: number[][],
  boxInd: number[],
  imageSize: [number, number],
  [ph, pw]: [number, number],
  sr: number,
  dy?: Float32Array,
): { out: Float32Array; grad: Float32Array } {
  const [, h, w, c] = map.shape as [number, number, number, number];
  const out = new Float32Array(boxes.length * ph * pw * c);
  const grad = new Float32Array(map.data.length);
  const at = (b: number, y: number, x: number, ch: number) => ((b * h + y) * w + x) * c + ch;
  const sy = h / imageSize[0];
  const sx = w / imageSize[1];
  boxes.forEach(([x1, y1, x2, y2], r) => {
    const b = boxInd[r]!;
    const startH = y1! * sy - 0.5;
    const startW = x1! * sx - 0.5;
    const binH = (y2! * sy - 0.5 - startH) / ph;
    const binW = (x2! * sx - 0.5 - startW) / pw;
    for (let i = 0; i < ph; i++)
      for (let j = 0; j < pw; j++)
        for (let iy = 0; iy < sr; iy++)
          for (let ix = 0; ix < sr; ix++) {
            let y = startH + i * binH + ((iy + 0.5) * binH) / sr;
            let x = startW + j * binW + ((ix + 0.5) * binW) / sr;
            if (y < -1 || y > h || x < -1 || x > w) continue;
            if (y <= 0) y = 0;
            if (x <= 0) x = 0;
            let yl = Math.floor(y);
            let xl = Math.floor(x);
            let yh: number;
            let xh: number;
            if (yl >= h - 1) {
              yh = yl = h - 1;
              y = yl;
            } else yh = yl + 1;
            if (xl >= w - 1) {
              xh = xl = w - 1;
              x = xl;
            } else xh = xl + 1;
            const ly = y - yl;
            const lx = x - xl;
            const taps: [number, number, number][] = [
              [yl, xl, (1 - ly) * (1 - lx)],
              [yl, xh, (1 - ly) * lx],
              [yh, xl, ly * (1 - lx)],
              [yh, xh, ly * lx],
            ];
            for (let ch = 0; ch < c; ch++) {
              const o = ((r * ph + i) * pw + j) * c + ch;
              for (const [ty, tx, wt] of taps) {
                out[o]! += (wt * map.data[at(b, ty, tx, ch)]!) / (sr * sr);
                if (dy) grad[at(b, ty, tx, ch)]! += (wt * dy[o]!) / (sr * sr);
              }
            }
          }
  });
  return { out, grad };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe.each(['cpu', 'wasm'])('roiAlign on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('a box covering exactly one feature cell returns that cell (1×1 output), every channel', () => {
    tf.tidy(() => {
      // feature map 3×4 from a 12×16 image: stride 4 on both axes
      const fm = tf.randomNormal([1, 3, 4, 2], 0, 1, 'float32', 7) as tf.Tensor4D;
      const v = fm.arraySync()[0]!;
      const boxes = [
        [4, 8, 8, 12], // cell (2, 1)
        [0, 0, 4, 4], // cell (0, 0), at the corner
        [12, 4, 16, 8], // cell (1, 3), at the right border
      ];
      const out = roiAlign(fm, boxes, [0, 0, 0], [12, 16], [1, 1]).arraySync();
      const cells = [v[2]![1]!, v[0]![0]!, v[1]![3]!];
      out.forEach((o, r) => expect(maxAbsDiff(o[0]![0]!, cells[r]!)).toBeLessThan(1e-6));
      // 2×2 sampling of a constant cell region also returns it when the map is constant around it
      const flat = tf.fill([1, 3, 4, 1], 2.5) as tf.Tensor4D;
      expect(
        roiAlign(flat, boxes, [0, 0, 0], [12, 16], [2, 2], { sampling: 2 })
          .dataSync()
          .every((x) => Math.abs(x - 2.5) < 1e-6),
      ).toBe(true);
    });
  });

  it('over a linear ramp returns the bilinear values at the bin centres (hand-computed)', () => {
    tf.tidy(() => {
      // F[y, x] = 10·y + x on a 6×8 map of a 12×16 image (stride 2): at image point (X, Y) the
      // interpolated value is 10·(Y/2 − 0.5) + (X/2 − 0.5)
      const ramp = tf.tensor4d(
        Array.from({ length: 48 }, (_, k) => 10 * Math.floor(k / 8) + (k % 8)),
        [1, 6, 8, 1],
      );
      // box x ∈ [2, 14], y ∈ [4, 10] → 2 × 3 bins, each 3 × 4 pixels; bin centres
      // y = 5.5, 8.5 → rows 2.25, 3.75;  x = 4, 8, 12 → cols 1.5, 3.5, 5.5
      const expected = [22.5 + 1.5, 22.5 + 3.5, 22.5 + 5.5, 37.5 + 1.5, 37.5 + 3.5, 37.5 + 5.5];
      for (const sampling of [1, 2, 3]) {
        const out = roiAlign(ramp, [[2, 4, 14, 10]], [0], [12, 16], [2, 3], { sampling });
        expect(out.shape).toEqual([1, 2, 3, 1]);
        expect(maxAbsDiff(out.dataSync(), expected)).toBeLessThan(1e-4);
      }
      // 1×1 output: the box centre (8, 7) → row 3, col 3.5
      expect(roiAlign(ramp, [[2, 4, 14, 10]], [0], [12, 16], [1, 1]).dataSync()[0]).toBeCloseTo(33.5, 4);
      // non-square strides: the same ramp read as a 6×8 map of a 12×32 image (sx = 4, sy = 2)
      expect(roiAlign(ramp, [[4, 4, 28, 10]], [0], [12, 32], [1, 1]).dataSync()[0]).toBeCloseTo(33.5, 4);
    });
  });

  it('matches a port of torchvision roi_align (aligned=True) in value and gradient, boxes across the borders included', () => {
    tf.tidy(() => {
      const shape: [number, number, number, number] = [2, 5, 7, 3];
      const fm = tf.randomNormal(shape, 0, 1, 'float32', 3) as tf.Tensor4D;
      const data = fm.dataSync();
      const imageSize: [number, number] = [20, 28]; // stride 4
      const boxes = [
        [1.3, 2.2, 17.9, 13.1],
        [0, 0, 28, 20], // the whole image
        [-6, -3, 9.5, 7], // across the top-left corner (edge-clamp band and beyond)
        [20.5, 14, 33, 25], // across the bottom-right corner
        [10, 10, 10.5, 12.25], // tiny
        [3, 5, 3, 5], // empty
      ];
      const boxInd = [0, 1, 1, 0, 1, 0];
      for (const [sampling, out] of [
        [1, [3, 2]],
        [2, [2, 2]],
        [3, [1, 4]],
      ] as [number, [number, number]][]) {
        const dy = tf.randomNormal([boxes.length, out[0], out[1], 3], 0, 1, 'float32', 11);
        const ref = referenceRoiAlign(
          { data, shape },
          boxes,
          boxInd,
          imageSize,
          out,
          sampling,
          dy.dataSync() as Float32Array,
        );
        const f = (x: tf.Tensor) =>
          tf.sum(tf.mul(roiAlign(x as tf.Tensor4D, boxes, boxInd, imageSize, out, { sampling }), dy));
        expect(maxAbsDiff(roiAlign(fm, boxes, boxInd, imageSize, out, { sampling }).dataSync(), ref.out)).toBeLessThan(
          1e-5,
        );
        expect(maxAbsDiff(tf.grad(f)(fm).dataSync(), ref.grad)).toBeLessThan(1e-5);
      }
    });
  });

  it('sends gradient to the feature map only inside the box support', () => {
    tf.tidy(() => {
      const fm = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
      // one cell, 1×1 output: exactly that cell gets ∂ = 1 per channel, nothing else
      const g1 = tf.grad((x: tf.Tensor) =>
        tf.sum(roiAlign(x as tf.Tensor4D, [[8, 12, 12, 16]], [0], [24, 24], [1, 1])),
      )(fm);
      const a1 = g1.arraySync() as number[][][][];
      for (let y = 0; y < 6; y++)
        for (let x = 0; x < 6; x++)
          for (const v of a1[0]![y]![x]!) expect(v).toBeCloseTo(y === 3 && x === 2 ? 1 : 0, 6);
      // cells 1..2 (pixels 4..12), 2×2 bins × 2×2 samples: samples at index positions 0.75, 1.25,
      // 1.75, 2.25 touch rows/cols 0..3; outside that nothing; total = number of outputs (weights sum to 1)
      const g2 = tf.grad((x: tf.Tensor) =>
        tf.sum(roiAlign(x as tf.Tensor4D, [[4, 4, 12, 12]], [0], [24, 24], [2, 2], { sampling: 2 })),
      )(fm);
      const a2 = g2.arraySync() as number[][][][];
      for (let y = 0; y < 6; y++)
        for (let x = 0; x < 6; x++)
          for (const v of a2[0]![y]![x]!) {
            if (y <= 3 && x <= 3) expect(v).toBeGreaterThan(0);
            else expect(v).toBe(0);
          }
      expect(tf.sum(g2).dataSync()[0]).toBeCloseTo(2 * 2 * 2, 4);
    });
  });

  it('picks the image of each box through boxIndices, and routes its gradient there', () => {
    tf.tidy(() => {
      // image b is constant b + 1 (channel 0) and −(b + 1) (channel 1)
      const fm = tf
        .concat([tf.fill([1, 4, 4, 2], 1), tf.fill([1, 4, 4, 2], 2), tf.fill([1, 4, 4, 2], 3)])
        .mul(tf.tensor1d([1, -1])) as tf.Tensor4D;
      const boxes = [
        [0, 0, 8, 8],
        [4, 4, 16, 16],
        [2, 2, 6, 6],
      ];
      const out = roiAlign(fm, boxes, tf.tensor1d([2, 0, 2], 'int32'), [16, 16], [2, 2]);
      expect(Array.from(out.dataSync())).toEqual([
        3, -3, 3, -3, 3, -3, 3, -3, 1, -1, 1, -1, 1, -1, 1, -1, 3, -3, 3, -3, 3, -3, 3, -3,
      ]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(roiAlign(x as tf.Tensor4D, boxes, [2, 0, 2], [16, 16], [2, 2])))(fm);
      const perImage = tf.sum(g, [1, 2, 3]).dataSync();
      expect(Array.from(perImage).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([2 * 4, 0, 2 * 2 * 4]);
    });
  });

  it('rejects bad arguments', () => {
    tf.tidy(() => {
      const fm = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
      expect(() => roiAlign(fm, [[0, 0, 1, 1]], [0], [8, 8], [2, 2], { sampling: 0 })).toThrow(/sampling/);
      expect(() => roiAlign(fm, [[0, 0, 1, 1]], [0], [8, 8], [0, 2])).toThrow(/outputSize/);
      expect(() => roiAlign(fm, [[0, 0, 1, 1]], [0, 0], [8, 8], [2, 2])).toThrow(/boxIndices/);
      expect(() => roiAlign(fm, tf.zeros([1, 3]) as tf.Tensor2D, [0], [8, 8], [2, 2])).toThrow(/boxes/);
    });
  });

  it('leaks no tensor, forward and backward', () => {
    const fm = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const boxes = tf.tensor2d([
      [1, 1, 9, 9],
      [0, 2, 10, 10],
    ]);
    const ind = tf.tensor1d([1, 0], 'int32');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grad((x: tf.Tensor) => tf.sum(roiAlign(x as tf.Tensor4D, boxes, ind, [10, 10], [2, 2], { sampling: 2 })))(fm);
    });
    roiAlign(fm, boxes, ind, [10, 10], [3, 3]).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([fm, boxes, ind]);
  });
});
