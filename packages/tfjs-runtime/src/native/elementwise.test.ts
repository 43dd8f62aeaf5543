import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerComposedKernels, unregisterComposedKernels } from '../kernels/register.js';
import { nativeAddonStatus, setNativeThreads } from './addon.js';
import { firstDifference } from '../test-utils.js';
import { RELU_GRAD_KERNEL, swappedGroups } from './elementwise.js';
import {
  availableNativeKernelBuilds,
  nativeKernelBuild,
  nativeKernelsFor,
  useNativeKernelBuild,
  type NativeKernelBuild,
} from './module.js';

// The addon's element-wise kernels stand in for tfjs-wasm's: the same bits as the stock kernels, on
// one thread and split over two (every case below runs both ways), for every addon build here.
const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => {
    const v = Math.sin(i * 0.61 + seed) * 3 * 10 ** ((i % 7) - 3);
    return i % 11 === 0 ? 0 : i % 13 === 0 ? -0 : v;
  });

const cases: Array<[string, () => tf.Tensor]> = [
  ['Add, one shape (5)', () => tf.add(tf.tensor1d(values(5, 1)), tf.tensor1d(values(5, 2)))],
  ['Add, one shape (600 000: threads)', () => tf.add(tf.tensor1d(values(600_000, 1)), tf.tensor1d(values(600_000, 2)))],
  ['Sub, one shape', () => tf.sub(tf.tensor2d(values(4099, 3), [4099, 1]), tf.tensor2d(values(4099, 4), [4099, 1]))],
  [
    'Multiply, one shape',
    () => tf.mul(tf.tensor3d(values(3 * 70 * 40, 5), [3, 70, 40]), tf.tensor3d(values(8400, 6), [3, 70, 40])),
  ],
  ['Add, a bias [13]', () => tf.add(tf.tensor2d(values(7 * 13, 7), [7, 13]), tf.tensor1d(values(13, 8)))],
  [
    'Add, a bias [1, 16] first',
    () => tf.add(tf.tensor2d(values(16, 9), [1, 16]), tf.tensor3d(values(3 * 5 * 16, 10), [3, 5, 16])),
  ],
  [
    'Multiply, rows x [C] (300 000: threads)',
    () => tf.mul(tf.tensor2d(values(300_000, 11), [3000, 100]), tf.tensor1d(values(100, 12))),
  ],
  ['Sub, x − bias', () => tf.sub(tf.tensor2d(values(40, 13), [5, 8]), tf.tensor1d(values(8, 14)))],
  ['Sub, bias − x (stock)', () => tf.sub(tf.tensor1d(values(8, 15)), tf.tensor2d(values(40, 16), [5, 8]))],
  [
    'RealDiv, one shape',
    () => tf.div(tf.tensor2d(values(37 * 11, 40), [37, 11]), tf.tensor2d(values(407, 41), [37, 11])),
  ],
  ['RealDiv, x / bias', () => tf.div(tf.tensor2d(values(6 * 9, 42), [6, 9]), tf.tensor1d(values(9, 43)))],
  [
    'Multiply, x × a value per row [B, H, W, 1] (a channel mean; 401 408: threads)',
    () => tf.mul(tf.tensor4d(values(401_408, 44), [32, 28, 28, 16]), tf.tensor4d(values(25_088, 45), [32, 28, 28, 1])),
  ],
  [
    'Multiply, a value per row first',
    () => tf.mul(tf.tensor3d(values(3 * 5, 46), [3, 5, 1]), tf.tensor3d(values(3 * 5 * 7, 47), [3, 5, 7])),
  ],
  [
    'Add, x + a value per row',
    () => tf.add(tf.tensor2d(values(5 * 13, 48), [5, 13]), tf.tensor2d(values(5, 49), [5, 1])),
  ],
  [
    'Sub, x − a value per row',
    () => tf.sub(tf.tensor2d(values(5 * 13, 50), [5, 13]), tf.tensor2d(values(5, 51), [5, 1])),
  ],
  [
    'Sub, a value per row − x (stock)',
    () => tf.sub(tf.tensor2d(values(5, 52), [5, 1]), tf.tensor2d(values(65, 53), [5, 13])),
  ],
  [
    'RealDiv, rows / their norms [128, 1] (l2-normalised rows)',
    () => tf.div(tf.tensor2d(values(128 * 300, 54), [128, 300]), tf.tensor2d(values(128, 55), [128, 1])),
  ],
  [
    'RealDiv, a value per row / x (stock)',
    () => tf.div(tf.tensor2d(values(5, 56), [5, 1]), tf.tensor2d(values(65, 57), [5, 13])),
  ],
  [
    'Multiply, [B, 1] × [1, C] (stock)',
    () => tf.mul(tf.tensor2d(values(5, 58), [5, 1]), tf.tensor2d(values(7, 59), [1, 7])),
  ],
  ['Multiply by a scalar (stock)', () => tf.mul(tf.tensor1d(values(9, 17)), tf.scalar(0.3))],
  ['Add, int32 (stock)', () => tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([4, 5, 6], 'int32'))],
  ['Relu', () => tf.relu(tf.tensor1d(values(4101, 18)))],
  ['Relu (400 000: threads)', () => tf.relu(tf.tensor1d(values(400_000, 19)))],
  [
    'the gradient of Relu',
    () => {
      const x = tf.tensor2d(values(301 * 7, 20), [301, 7]);
      const w = tf.tensor2d(values(301 * 7, 21), [301, 7]);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), w)))(x);
    },
  ],
  [
    'Transpose [0, 2, 1, 3] (heads)',
    () => tf.transpose(tf.tensor4d(values(3 * 4 * 5 * 6, 22), [3, 4, 5, 6]), [0, 2, 1, 3]),
  ],
  ['Transpose [1, 0]', () => tf.transpose(tf.tensor2d(values(17 * 9, 23), [17, 9]), [1, 0])],
  ['Transpose [2, 0, 1]', () => tf.transpose(tf.tensor3d(values(2 * 3 * 4, 24), [2, 3, 4]), [2, 0, 1])],
  [
    'Transpose [0, 2, 1, 3] (64 × 48 × 4 × 32: threads)',
    () => tf.transpose(tf.tensor4d(values(393_216, 25), [64, 48, 4, 32]), [0, 2, 1, 3]),
  ],
  ['Transpose [2, 1, 0] (stock)', () => tf.transpose(tf.tensor3d(values(24, 26), [2, 3, 4]), [2, 1, 0])],
];

const addonBuilds = () => availableNativeKernelBuilds().filter((b) => b.startsWith('native-'));

describe.skipIf(nativeAddonStatus().state !== 'used')(
  'native element-wise kernels = stock tfjs-wasm, bit for bit',
  () => {
    let initial: NativeKernelBuild;
    const stock = new Map<string, tf.TypedArray>();
    beforeAll(async () => {
      await tf.setBackend('wasm');
      await tf.ready();
      unregisterComposedKernels('wasm');
      for (const [name, fn] of cases) stock.set(name, tf.tidy(fn).dataSync());
      registerComposedKernels('wasm');
      initial = nativeKernelBuild();
    });
    afterAll(() => {
      useNativeKernelBuild(initial);
      setNativeThreads(1);
    });

    it('NaN, ±0 and ±∞ as the stock kernels: Relu (-0 → 0, -NaN → 0), and its gradient keeps NaN', () => {
      const x = tf.tensor1d([NaN, -0, 0, -1, 2, -NaN, -Infinity, Infinity]);
      const dy = tf.tensor1d([1, -2, 3, -4, 5, 6, -7, 8]);
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), dy)));
      const ours = [tf.relu(x).dataSync(), grad(x).dataSync()].map((a) => Array.from(a));
      unregisterComposedKernels('wasm');
      const theirs = [tf.relu(x).dataSync(), grad(x).dataSync()].map((a) => Array.from(a));
      registerComposedKernels('wasm');
      expect(ours).toEqual(theirs); // toEqual: NaN equals NaN, and 0 is not -0
      expect(ours[0]).toEqual([NaN, 0, 0, 0, 2, 0, 0, Infinity]);
    });

    it('registers them, and the fused ReLU gradient', () => {
      for (const name of [tf.Add, tf.Sub, tf.Multiply, tf.RealDiv, tf.Relu, tf.Transpose, RELU_GRAD_KERNEL]) {
        expect(tf.getKernel(name, 'wasm')).toBeDefined();
      }
    });

    it('a value per row (x [B, H, W, C] op y [B, H, W, 1]) and RealDiv take the addon, not the stock kernel', () => {
      const k = nativeKernelsFor(tf.backend())!;
      const calls: string[] = [];
      const original = { cols: k.binary_cols, op: k.binary_op };
      k.binary_cols = (...a) => (calls.push(`cols ${a[6]}`), original.cols(...a));
      k.binary_op = (...a) => (calls.push(`op ${a[5]}`), original.op(...a));
      try {
        tf.tidy(() => {
          const x = tf.ones([2, 3, 3, 4]);
          const y = tf.ones([2, 3, 3, 1]);
          tf.mul(x, y);
          tf.mul(y, x);
          tf.div(x, y);
          tf.sub(x, y);
          tf.div(x, x);
        });
      } finally {
        Object.assign(k, { binary_cols: original.cols, binary_op: original.op });
      }
      expect(calls).toEqual(['cols 2', 'cols 2', 'cols 3', 'cols 1', 'op 3']);
    });

    it.each(cases.map(([name]) => name))('%s', (name) => {
      const fn = cases.find(([n]) => n === name)![1];
      expect(addonBuilds().length).toBeGreaterThan(0);
      for (const build of addonBuilds()) {
        useNativeKernelBuild(build);
        for (const threads of [1, 2]) {
          setNativeThreads(threads);
          const got = tf.tidy(fn).dataSync();
          expect([build, threads, firstDifference(got, stock.get(name)!)]).toEqual([build, threads, -1]);
        }
      }
    });
  },
);

describe('swappedGroups: which transposes are block copies', () => {
  it.each([
    [
      [0, 2, 1, 3],
      [1, 2, 3],
    ],
    [
      [1, 0],
      [0, 1, 2],
    ],
    [
      [2, 0, 1],
      [0, 2, 3],
    ],
    [
      [1, 2, 0],
      [0, 1, 3],
    ],
    [
      [0, 3, 1, 2],
      [1, 3, 4],
    ],
    [
      [0, 1, 3, 2],
      [2, 3, 4],
    ],
  ])('%j → %j', (perm, want) => expect(swappedGroups(perm)).toEqual(want));
  it.each([[[0, 1, 2]], [[2, 1, 0]], [[1, 0, 3, 2]], [[3, 1, 2, 0]]])('%j → none', (perm) =>
    expect(swappedGroups(perm)).toBeUndefined(),
  );
});
