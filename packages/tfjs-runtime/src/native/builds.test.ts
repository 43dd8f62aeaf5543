import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerComposedKernels } from '../kernels/register.js';
import { maxScaledDiff, onBackend, seeded, size } from '../test-utils.js';
import {
  availableNativeKernelBuilds,
  nativeKernelBuild,
  useNativeKernelBuild,
  type NativeKernelBuild,
} from './module.js';
import { nativeAddonStatus } from './addon.js';

// kernels.test.ts checks every kernel in depth with the build this engine picks; here each
// available build (relaxed SIMD with fused multiply-add, and plain SIMD128) runs the same
// products, convolutions and batch norm against the cpu backend.
const TOL = 1e-5;
let initial: NativeKernelBuild;

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  registerComposedKernels('wasm');
  initial = nativeKernelBuild();
});
afterAll(() => useNativeKernelBuild(initial));

async function compare(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const ref = await onBackend('cpu', fn);
  const got = await onBackend('wasm', fn);
  return Math.max(...got.map((g, i) => maxScaledDiff(g, ref[i]!)));
}

it('Node 20 runs the relaxed-SIMD build (its V8 flag is switched on) unless KD_WASM_RELAXED_SIMD=0', () => {
  const expected = process.env.KD_WASM_RELAXED_SIMD === '0' ? ['simd128'] : ['relaxed-simd', 'simd128'];
  expect(availableNativeKernelBuilds().filter((b) => !b.startsWith('native-'))).toEqual(expected);
});

it('the native addon offers its CPU builds with OpenBLAS and with its own GEMM, best first, where it loaded', () => {
  const native = availableNativeKernelBuilds().filter((b) => b.startsWith('native-'));
  if (nativeAddonStatus().state !== 'used') return expect(native).toEqual([]);
  const { isa, blas, tiles } = nativeAddonStatus();
  const isas = isa === 'fma' ? ['fma', 'sse2'] : ['sse2'];
  // its own GEMM first where the FMA build has its 6 × 16 tiles (256-bit tiles), unless KD_NATIVE_GEMM says
  const ownFirst = process.env.KD_NATIVE_GEMM
    ? process.env.KD_NATIVE_GEMM === 'own'
    : isa === 'fma' && tiles === 'avx2';
  const gemms = !blas ? ['own'] : ownFirst ? ['own', 'openblas'] : ['openblas', 'own'];
  expect(native).toEqual(isas.flatMap((i) => gemms.map((g) => `native-${i}-${g}`)));
  expect(initial).toBe(native[0]);
});

describe.each(availableNativeKernelBuilds())('native kernels, %s build (wasm vs cpu)', (build) => {
  beforeAll(() => useNativeKernelBuild(build));

  it('is the build in use', () => expect(nativeKernelBuild()).toBe(build));

  it.each([
    [[1, 23, 300], [1, 300, 37], false, false],
    [[2, 300, 13], [2, 300, 9], true, false],
    [[3, 10, 8], [3, 16, 8], false, true],
  ] as const)('BatchMatMul a=%j b=%j transposeA=%s transposeB=%s', async (sa, sb, ta, tb) => {
    const av = seeded(size(sa), 1);
    const bv = seeded(size(sb), 2);
    expect(await compare(() => tf.matMul(tf.tensor(av, [...sa]), tf.tensor(bv, [...sb]), ta, tb))).toBeLessThanOrEqual(
      TOL,
    );
  });

  it.each([1, 2])('conv2d and both of its gradients, stride %i', async (stride) => {
    const xv = seeded(2 * 9 * 10 * 12, 3);
    const fv = seeded(3 * 3 * 12 * 20, 4);
    const diff = await compare(() => {
      const loss = (x: tf.Tensor, f: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, 'same')));
      const x = tf.tensor4d(xv, [2, 9, 10, 12]);
      const f = tf.tensor4d(fv, [3, 3, 12, 20]);
      return [tf.conv2d(x, f, stride, 'same'), ...tf.grads(loss)([x, f])];
    });
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('training batch norm and its gradient', async () => {
    const shape = [4, 5, 5, 12];
    const xv = seeded(size(shape), 5).map((v) => 3 * v + 0.5);
    const gv = seeded(12, 6);
    const bv = seeded(12, 7);
    const dyv = seeded(size(shape), 8);
    const normalize = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
    };
    const withGrads = () => {
      const [x, g, b] = [tf.tensor(xv, shape), tf.tensor(gv), tf.tensor(bv)];
      const loss = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
        tf.sum(tf.mul(normalize(a, c, d), tf.tensor(dyv, shape)));
      return [normalize(x, g, b), ...tf.grads(loss)([x, g, b])];
    };
    const ref = await onBackend('cpu', withGrads);
    const got = await onBackend('wasm', () => {
      const [x, g, b] = [tf.tensor(xv, shape), tf.tensor(gv), tf.tensor(bv)];
      const [y, mean, variance] = tf
        .engine()
        .runKernel('KdBatchNormTrain', { x, gamma: g, beta: b }, { epsilon: 1e-5 }) as tf.Tensor[];
      const dy = tf.tensor(dyv, shape);
      const inputs = { dy, x, mean: mean!, variance: variance!, gamma: g };
      return [y!, ...(tf.engine().runKernel('KdBatchNormTrainGrad', inputs, { epsilon: 1e-5 }) as tf.Tensor[])];
    });
    for (let i = 0; i < 4; i++) expect(maxScaledDiff(got[i]!, ref[i]!), `output ${i}`).toBeLessThanOrEqual(1e-4);
  });
});
