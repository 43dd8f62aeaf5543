import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerComposedKernels, unregisterComposedKernels } from '../kernels/register.js';
import { firstDifference, forEachKernelBuild, seeded, size } from '../test-utils.js';
import { BATCH_NORM_INFER_KERNEL, batchNormInfer, batchNormInferGradient } from './batch-norm-infer.js';

// Inference batch norm as one kernel gives the bits of tfjs's Multiply, Add (and Relu): values and
// gradients (x, scale, shift) the bits of the composition on the same kernels, for every build of
// kd's kernels here, on one thread and on two; y and dx also the bits of the stock kernels' (the
// sums of dscale and dshift are kd's Sum's then, whose order differs from tfjs's).

// one channel; channels not a multiple of 4 (the scalar tail); a ResNet's 16 and 64 channels, the
// 64-channel one large enough to be split over the threads
const shapes: number[][] = [
  [5, 1],
  [7, 3],
  [2, 3, 5, 7],
  [4, 8, 8, 16],
  [16, 16, 16, 64],
];

/** x with some entries whose x·scale + shift is exactly 0 (the ReLU's edge), scale of both signs. */
function inputs(shape: number[]) {
  const c = shape.at(-1)!;
  const x = seeded(size(shape), shape.length + c).map((v) => v * 4);
  const scale = seeded(c, 11 + c).map((v) => v * 2);
  const shift = seeded(c, 23 + c);
  scale[0] = 1;
  shift[0] = -0.5;
  for (let i = 0; i < x.length; i += 5 * c) x[i] = 0.5;
  return { x, scale, shift, c };
}

const composed = (x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor, relu: boolean) => {
  const y = tf.add(tf.mul(x, scale), shift);
  return relu ? tf.relu(y) : y;
};
const fused = (x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor, relu: boolean) =>
  batchNormInfer(x, scale as tf.Tensor1D, shift as tf.Tensor1D, relu);

/** y, dx, dscale, dshift of Σ w·bn(x) */
function run(shape: number[], relu: boolean, bn = fused): tf.TypedArray[] {
  return tf.tidy(() => {
    const { x, scale, shift, c } = inputs(shape);
    const w = tf.tensor(seeded(size(shape), 99), shape);
    const loss = (a: tf.Tensor, s: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(bn(a, s, b, relu), w));
    const args = [tf.tensor(x, shape), tf.tensor1d(scale), tf.tensor1d(shift)];
    const y = bn(args[0]!, args[1]!, args[2]!, relu);
    const grads = tf.grads(loss)(args);
    expect(y.shape).toEqual(shape);
    expect(grads[1]!.shape).toEqual([c]);
    return [y, ...grads].map((t) => t.dataSync());
  });
}

const cases = shapes.flatMap((s) => [false, true].map((relu) => [JSON.stringify(s), relu] as const));

describe('inference batch norm as one kernel = tfjs Multiply, Add, Relu on the stock kernels, bit for bit', () => {
  const stock = new Map<string, tf.TypedArray[]>();
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    unregisterComposedKernels('wasm');
    expect(tf.getKernel(BATCH_NORM_INFER_KERNEL, 'wasm')).toBeUndefined();
    for (const [key, relu] of cases) stock.set(`${key} ${relu}`, run(JSON.parse(key) as number[], relu, composed));
    registerComposedKernels('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is registered, with its gradient', () => {
    expect(tf.getKernel(BATCH_NORM_INFER_KERNEL, 'wasm')).toBeDefined();
    expect(tf.getGradient(BATCH_NORM_INFER_KERNEL)).toBe(batchNormInferGradient);
  });

  it.each(cases)('shape %s, relu %s: y, dx, dscale, dshift', (key, relu) => {
    const shape = JSON.parse(key) as number[];
    const onStock = stock.get(`${key} ${relu}`)!;
    forEachKernelBuild((build, threads) => {
      const got = run(shape, relu);
      const want = run(shape, relu, composed);
      const differences = [
        ...got.map((g, i) => firstDifference(g, want[i]!)),
        ...[0, 1].map((i) => firstDifference(got[i]!, onStock[i]!)),
      ];
      expect([build, threads, differences]).toEqual([build, threads, [-1, -1, -1, -1, -1, -1]]);
    });
  });

  it('makes one tensor forward, where tfjs makes three', () => {
    const { x, scale, shift } = inputs([7, 3]);
    const made = (fused: boolean) =>
      tf.tidy(() => {
        const args = [tf.tensor(x, [7, 3]), tf.tensor1d(scale), tf.tensor1d(shift)] as const;
        const before = tf.memory().numTensors;
        if (fused) batchNormInfer(args[0], args[1], args[2], true);
        else tf.relu(tf.add(tf.mul(args[0], args[1]), args[2]));
        return tf.memory().numTensors - before;
      });
    expect([made(true), made(false)]).toEqual([1, 3]);
  });

  it('values: relu(x·scale + shift) per channel (float64 reference)', () => {
    const shape = [7, 3];
    const { x, scale, shift } = inputs(shape);
    const y = tf.tidy(() =>
      batchNormInfer(tf.tensor(x, shape), tf.tensor1d(scale), tf.tensor1d(shift), true).dataSync(),
    );
    for (let i = 0; i < x.length; i++) {
      const want = Math.max(0, x[i]! * scale[i % 3]! + shift[i % 3]!);
      expect(Math.abs(y[i]! - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
    }
  });

  it('rejects scale or shift that are not [channels]', () => {
    expect(() =>
      tf.tidy(() => batchNormInfer(tf.ones([4, 3]), tf.ones([4]) as tf.Tensor1D, tf.zeros([3]) as tf.Tensor1D)),
    ).toThrow(/scale and shift must be \[3\]/);
  });
});
