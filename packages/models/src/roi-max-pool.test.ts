/**
 * RoI max pooling against torchvision.ops.roi_pool (fixture written by tools/golden/roi_max_pool.py):
 * forward (times the per-RoI scores) and the gradient of sum(out · weights) w.r.t. the map, for
 * .5 coordinates (C rounding), boxes beyond the map, a box smaller than a bin, malformed boxes,
 * second-image boxes, scales 1/8, 1/4, 1/2, sizes 7×7 and 3×2 and maps with tied maxima. The
 * reference gradient leaves out the malformed RoIs (Caffe's rule, see roi-max-pool.ts); the test
 * applies the raw weights, so it fails if a malformed RoI leaks gradient.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { roiMaxPool } from './roi-max-pool.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  map: Arr;
  boxes: number[][];
  boxIndices: number[];
  spatialScale: number;
  outputSize: [number, number];
  malformed: boolean[];
  scores?: number[];
  weights: Arr;
  out: Arr;
  grad: Arr;
}

const golden = JSON.parse(
  readFileSync(new URL('../test/fixtures/roi-max-pool.golden.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const tensorOf = (a: Arr) => tf.tensor(a.data, a.shape, 'float32');
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** Pooled output and gradient of sum(out · weights) w.r.t. the map. */
function pooledAndGrad(
  map: tf.Tensor4D,
  boxes: tf.Tensor2D | number[][],
  boxIndices: number[],
  scale: number,
  size: [number, number],
  weights: tf.Tensor,
  scores?: tf.Tensor1D,
): { out: tf.Tensor4D; grad: tf.Tensor4D } {
  const out = roiMaxPool(map, boxes, boxIndices, scale, size, { scores });
  const grad = tf.grad((m: tf.Tensor) =>
    tf.sum(tf.mul(roiMaxPool(m as tf.Tensor4D, boxes, boxIndices, scale, size, { scores }), weights)),
  )(map) as tf.Tensor4D;
  return { out, grad };
}

describe('roiMaxPool: Caffe / Fast R-CNN RoI max pooling (torchvision roi_pool golden)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it.each(golden.cases)('$name: forward and first-maximum gradient', (g) => {
    tf.tidy(() => {
      const scores = g.scores ? tf.tensor1d(g.scores) : undefined;
      const map = tensorOf(g.map) as tf.Tensor4D;
      const { out, grad } = pooledAndGrad(
        map,
        tf.tensor2d(g.boxes),
        g.boxIndices,
        g.spatialScale,
        g.outputSize,
        tensorOf(g.weights),
        scores,
      );
      expect(out.shape).toEqual(g.out.shape);
      expect(maxAbs(out.dataSync(), g.out.data)).toBeLessThan(1e-5);
      expect(grad.shape).toEqual(g.grad.shape);
      expect(maxAbs(grad.dataSync(), g.grad.data)).toBeLessThan(1e-5);
    });
  });

  it('the fixture exercises what it claims: malformed RoIs, empty bins (zeros), negative .5 coordinates', () => {
    expect(golden.cases.every((g) => g.malformed.some(Boolean))).toBe(true);
    const first = golden.cases[0]!;
    // the box entirely outside the map pools to zeros
    const [r, ph, pw, c] = first.out.shape as [number, number, number, number];
    const outside = first.boxes.findIndex(([x1, y1]) => x1! * first.spatialScale > 16 && y1! * first.spatialScale > 16);
    expect(outside).toBeGreaterThanOrEqual(0);
    expect(r).toBe(first.boxes.length);
    const rowLen = ph * pw * c;
    expect(first.out.data.slice(outside * rowLen, (outside + 1) * rowLen).every((v) => v === 0)).toBe(true);
    // a coordinate that scales to −0.5 / −2.5, where JS Math.round and C round disagree
    expect(first.boxes.flat().some((v) => Math.abs(v * first.spatialScale + 0.5) < 1e-9)).toBe(true);
  });

  it('gives the same first maxima with many bins of one size: the tie cases, RoIs repeated 40×', () => {
    for (const g of golden.cases.filter((x) => x.name.includes('tied'))) {
      tf.tidy(() => {
        const times = 40;
        const scores = tf.tile(tf.tensor1d(g.scores!), [times]) as tf.Tensor1D;
        const boxes = Array.from({ length: times }, () => g.boxes).flat();
        const indices = Array.from({ length: times }, () => g.boxIndices).flat();
        const weights = tf.tile(tensorOf(g.weights), [times, 1, 1, 1]);
        const map = tensorOf(g.map) as tf.Tensor4D;
        const { out, grad } = pooledAndGrad(map, boxes, indices, g.spatialScale, g.outputSize, weights, scores);
        expect(maxAbs(out.dataSync(), tf.tile(tensorOf(g.out), [times, 1, 1, 1]).dataSync())).toBeLessThan(1e-5);
        expect(maxAbs(tf.div(grad, times).dataSync(), g.grad.data)).toBeLessThan(1e-5);
      });
    }
  });

  it('accepts boxes and indices as arrays or tensors alike', () => {
    tf.tidy(() => {
      const g = golden.cases[1]!;
      const map = tensorOf(g.map) as tf.Tensor4D;
      const a = roiMaxPool(map, g.boxes, g.boxIndices, g.spatialScale, g.outputSize);
      const t = roiMaxPool(map, tf.tensor2d(g.boxes), tf.tensor1d(g.boxIndices, 'int32'), g.spatialScale, g.outputSize);
      expect(maxAbs(a.dataSync(), t.dataSync())).toBe(0);
    });
  });

  it('routes the gradient of tied maxima to the first one in row-major order, whole', () => {
    tf.tidy(() => {
      const map = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
      // one bin over rows/cols 1..3: all nine cells tie; the first is (1, 1)
      const { out, grad } = pooledAndGrad(map, [[1, 1, 3, 3]], [0], 1, [1, 1], tf.tensor([3, 5], [1, 1, 1, 2]));
      expect(Array.from(out.dataSync())).toEqual([1, 1]);
      const expected = new Float32Array(32);
      expected[(1 * 4 + 1) * 2] = 3;
      expected[(1 * 4 + 1) * 2 + 1] = 5;
      expect(Array.from(grad.dataSync())).toEqual(Array.from(expected));
    });
  });

  it('gives a malformed RoI (x2 below x1, or y2 below y1, after rounding) exactly zero gradient, yet pools it', () => {
    tf.tidy(() => {
      const map = tf.randomUniform([1, 6, 6, 3], 0.1, 1, 'float32', 3) as tf.Tensor4D;
      for (const box of [
        [4, 1, 2, 5],
        [1, 4, 5, 2],
      ]) {
        const { out, grad } = pooledAndGrad(map, [box], [0], 1, [2, 2], tf.ones([1, 2, 2, 3]), tf.tensor1d([0.7]));
        expect(Array.from(out.dataSync()).every((v) => v > 0)).toBe(true);
        expect(Array.from(grad.dataSync()).every((v) => v === 0)).toBe(true);
      }
    });
  });

  it('scales the output and the gradient by the score, and gives the scores no gradient', () => {
    tf.tidy(() => {
      const map = tf.randomNormal([2, 5, 5, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
      const boxes = [
        [0, 0, 4, 4],
        [1, 2, 3, 4],
      ];
      const plain = pooledAndGrad(map, boxes, [0, 1], 1, [2, 2], tf.ones([2, 2, 2, 2]));
      const scores = tf.tensor1d([0.5, 2]);
      const scored = pooledAndGrad(map, boxes, [0, 1], 1, [2, 2], tf.ones([2, 2, 2, 2]), scores);
      const expectedOut = tf.mul(plain.out, tf.reshape(scores, [2, 1, 1, 1]));
      expect(maxAbs(scored.out.dataSync(), expectedOut.dataSync())).toBeLessThan(1e-6);
      // one box per image: image b's gradient is scaled by scores[b]
      const expectedGrad = tf.mul(plain.grad, tf.reshape(scores, [2, 1, 1, 1]));
      expect(maxAbs(scored.grad.dataSync(), expectedGrad.dataSync())).toBeLessThan(1e-6);
      const [, dScores] = tf.grads((m: tf.Tensor, s: tf.Tensor) =>
        tf.sum(roiMaxPool(m as tf.Tensor4D, boxes, [0, 1], 1, [2, 2], { scores: s as tf.Tensor1D })),
      )([map, scores]);
      expect(Array.from(dScores!.dataSync())).toEqual([0, 0]);
    });
  });

  it('matches a loop port of torchvision over many RoIs on a 16×16×64 map, 7×7 bins', () => {
    tf.tidy(() => {
      const [b, h, w, c, ph, pw, r, scale] = [2, 16, 16, 64, 7, 7, 300, 1 / 8];
      const map = tf.randomNormal([b, h, w, c], 0, 1, 'float32', 5) as tf.Tensor4D;
      let seed = 11;
      const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
      const boxes = Array.from({ length: r }, () => {
        const x = rand() * 150 - 10;
        const y = rand() * 150 - 10;
        return [x, y, x + rand() * 100, y + rand() * 100];
      });
      const indices = boxes.map((_, i) => i % b);
      const weights = tf.randomNormal([r, ph, pw, c], 0, 1, 'float32', 6);
      const { out, grad } = pooledAndGrad(map, boxes, indices, scale, [ph, pw], weights);
      const ref = loopRoiPool(map.dataSync(), [b, h, w, c], boxes, indices, scale, [ph, pw], weights.dataSync());
      expect(maxAbs(out.dataSync(), ref.out)).toBe(0);
      expect(maxAbs(grad.dataSync(), ref.grad)).toBeLessThan(1e-4);
    });
  });

  it('handles zero RoIs', () => {
    tf.tidy(() => {
      const map = tf.ones([1, 4, 4, 3]) as tf.Tensor4D;
      const out = roiMaxPool(map, tf.zeros([0, 4]) as tf.Tensor2D, [], 1, [2, 2]);
      expect(out.shape).toEqual([0, 2, 2, 3]);
      const grad = tf.grad((m: tf.Tensor) =>
        tf.sum(roiMaxPool(m as tf.Tensor4D, tf.zeros([0, 4]) as tf.Tensor2D, [], 1, [2, 2])),
      )(map);
      expect(Array.from(grad.dataSync()).every((v) => v === 0)).toBe(true);
    });
  });

  it('rejects bad arguments with a message naming the argument', () => {
    tf.tidy(() => {
      const map = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
      const box = [[0, 0, 2, 2]];
      expect(() => roiMaxPool(tf.zeros([4, 4, 1]) as unknown as tf.Tensor4D, box, [0], 1, [2, 2])).toThrow(
        /featureMap must be \[B, H, W, C\]/,
      );
      expect(() => roiMaxPool(map, box, [0], 1, [0, 2])).toThrow(/outputSize must be two positive integers/);
      expect(() => roiMaxPool(map, box, [0], 1, [1.5, 2])).toThrow(/outputSize must be two positive integers/);
      expect(() => roiMaxPool(map, box, [0], 0, [2, 2])).toThrow(/spatialScale must be a positive number/);
      expect(() => roiMaxPool(map, box, [0], NaN, [2, 2])).toThrow(/spatialScale must be a positive number/);
      expect(() => roiMaxPool(map, tf.zeros([1, 5]) as tf.Tensor2D, [0], 1, [2, 2])).toThrow(/boxes must be \[R, 4\]/);
      expect(() => roiMaxPool(map, [[0, 0, 2]], [0], 1, [2, 2])).toThrow(/boxes must be \[R, 4\]/);
      expect(() => roiMaxPool(map, [[0, 0, NaN, 2]], [0], 1, [2, 2])).toThrow(/boxes must be finite/);
      expect(() => roiMaxPool(map, box, [0, 1], 1, [2, 2])).toThrow(/boxIndices must be \[1\]/);
      expect(() => roiMaxPool(map, box, [2], 1, [2, 2])).toThrow(/boxIndices must be integers in \[0, 2\), got 2/);
      expect(() => roiMaxPool(map, box, [0.5], 1, [2, 2])).toThrow(/boxIndices must be integers/);
      expect(() => roiMaxPool(map, box, [0], 1, [2, 2], { scores: tf.ones([2]) as tf.Tensor1D })).toThrow(
        /scores must be \[1\]/,
      );
    });
  });

  it('leaks no tensors (forward and gradient inside tidy; forward alone leaves only its output)', () => {
    const g = golden.cases[0]!;
    const map = tensorOf(g.map) as tf.Tensor4D;
    const scores = tf.tensor1d(g.scores!);
    const weights = tensorOf(g.weights);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      pooledAndGrad(map, g.boxes, g.boxIndices, g.spatialScale, g.outputSize, weights, scores);
    });
    expect(tf.memory().numTensors).toBe(before);
    const out = roiMaxPool(map, g.boxes, g.boxIndices, g.spatialScale, g.outputSize, { scores });
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([out, map, scores, weights]);
  });
});

/**
 * A loop port of torchvision's roi_pool CPU kernel (float32 bin sizes, C rounding) on an NHWC map,
 * with the gradient of sum(out · weights): first maximum, none for malformed RoIs (Caffe).
 */
function loopRoiPool(
  map: ArrayLike<number>,
  [, h, w, c]: number[],
  boxes: number[][],
  indices: number[],
  scale: number,
  [ph, pw]: [number, number],
  weights: ArrayLike<number>,
): { out: Float32Array; grad: Float64Array } {
  const out = new Float32Array(boxes.length * ph * pw * c);
  const grad = new Float64Array(map.length);
  const cRound = (v: number) => Math.sign(v) * Math.floor(Math.abs(v) + 0.5);
  const f = Math.fround;
  boxes.forEach((box, r) => {
    const [sw, sh, ew, eh] = box.map((v) => cRound(f(f(v) * f(scale)))) as [number, number, number, number];
    const malformed = ew < sw || eh < sh;
    const binH = f(Math.max(eh - sh + 1, 1) / ph);
    const binW = f(Math.max(ew - sw + 1, 1) / pw);
    const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
    for (let i = 0; i < ph; i++)
      for (let j = 0; j < pw; j++) {
        const hs = clip(Math.floor(f(i * binH)) + sh, h);
        const he = clip(Math.ceil(f((i + 1) * binH)) + sh, h);
        const ws = clip(Math.floor(f(j * binW)) + sw, w);
        const we = clip(Math.ceil(f((j + 1) * binW)) + sw, w);
        for (let ch = 0; ch < c; ch++) {
          const o = ((r * ph + i) * pw + j) * c + ch;
          if (he <= hs || we <= ws) continue;
          let best = -Infinity;
          let at = -1;
          for (let y = hs; y < he; y++)
            for (let x = ws; x < we; x++) {
              const k = ((indices[r]! * h + y) * w + x) * c + ch;
              if (map[k]! > best) [best, at] = [map[k]!, k];
            }
          out[o] = best;
          if (!malformed) grad[at] += weights[o]!;
        }
      }
  });
  return { out, grad };
}
