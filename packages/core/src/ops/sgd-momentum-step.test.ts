import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  SGD_MOMENTUM_STEP_KERNEL,
  availableNativeKernelBuilds,
  nativeKernelBuild,
  registerComposedKernels,
  useNativeKernelBuild,
} from '@kd/tfjs-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composedSgdMomentumStep, sgdMomentumStep } from './sgd-momentum-step.js';

// The fused kernel must give the very bits of the six composed ops (so swapping it in changes no
// run), in every build of kd's kernels this machine runs (wasm SIMD128 / relaxed SIMD, the addon).
const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * (1 + (i % 7)) * 10 ** ((i % 5) - 2));

describe('sgdMomentumStep on wasm: the fused kernel = the composition, bit for bit', () => {
  const initial = { build: '' };
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
    initial.build = nativeKernelBuild();
  });
  afterAll(() => useNativeKernelBuild(initial.build as ReturnType<typeof nativeKernelBuild>));

  it('is registered on wasm', () => {
    expect(tf.getKernel(SGD_MOMENTUM_STEP_KERNEL, 'wasm')).toBeDefined();
  });

  const builds = () => availableNativeKernelBuilds();
  it.each([
    [1, 0.1, 0.9, 5e-4, false],
    [7, 0.1, 0.9, 5e-4, true],
    [4099, 0.05, 0.9, 0, false],
    [4099, 0.3, 0.5, 1e-4, true],
  ])('n %i, lr %f, momentum %f, weight decay %f, nesterov %s', (n, lr, momentum, weightDecay, nesterov) => {
    expect(builds().length).toBeGreaterThan(0);
    for (const build of builds()) {
      useNativeKernelBuild(build);
      tf.tidy(() => {
        const w = tf.tensor1d(values(n, 1));
        const g = tf.tensor1d(values(n, 2));
        const buf = tf.tensor1d(values(n, 3));
        const attrs = { lr, momentum, weightDecay, nesterov };
        const fused = sgdMomentumStep(w, g, buf, attrs);
        const composed = composedSgdMomentumStep(w, g, buf, attrs);
        expect([build, fused.w.dataSync()]).toEqual([build, composed.w.dataSync()]);
        expect([build, fused.buf.dataSync()]).toEqual([build, composed.buf.dataSync()]);
        // and it moved: not the identity
        expect(fused.w.dataSync()[0]).not.toBe(w.dataSync()[0]);
      });
    }
  });
});
