import * as tf from '@tensorflow/tfjs';
import { setNativeThreads } from './native/addon.js';
import {
  availableNativeKernelBuilds,
  nativeKernelBuild,
  useNativeKernelBuild,
  type NativeKernelBuild,
} from './native/module.js';

/** Deterministic uniform [-1, 1) values (mulberry32), identical on every backend. */
export function seeded(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** Run `fn` with `backend` active and return the data of every tensor it returns. */
export async function onBackend(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(list);
  return data;
}

/** Largest |a-b| / max(1, |b|): absolute error for small values, relative for large ones. */
export function maxScaledDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}

/** The first index where the two differ in their bits (or -1; -2 for other lengths); `toEqual` on 600 000 floats takes seconds. */
export function firstDifference(a: tf.TypedArray, b: tf.TypedArray): number {
  if (a.length !== b.length) return -2;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/**
 * Runs `fn` on every build of kd's kernels this machine has (the addon's on 1 and 2 threads, the
 * wasm builds on one), that build active; restores the build and one thread after.
 */
export function forEachKernelBuild(fn: (build: NativeKernelBuild, threads: number) => void): void {
  const initial = nativeKernelBuild();
  const builds = availableNativeKernelBuilds();
  if (builds.length === 0) throw new Error('no kernel build to test');
  try {
    for (const build of builds) {
      useNativeKernelBuild(build);
      for (const threads of build.startsWith('native-') ? [1, 2] : [1]) {
        setNativeThreads(threads);
        fn(build, threads);
      }
    }
  } finally {
    useNativeKernelBuild(initial);
    setNativeThreads(1);
  }
}
