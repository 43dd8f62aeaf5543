import os from 'node:os';
import {
  ADDON_KERNELS,
  ADDON_ONLY_KERNELS,
  loadNativeAddon,
  type AddonGemm,
  type AddonInfo,
  type AddonIsa,
  type AddonKernel,
  type AddonOnlyKernel,
  type AddonTiles,
  type NativeAddon,
} from '@kd/native-kernels';
import type { NativeKernels } from './module.js';
import { bestWasmBuild, wasmApi, wasmKernelsOn } from './wasm-builds.js';

/** A build of the native addon: instruction set and GEMM (see `NativeKernelBuild`). */
export type AddonKernelBuild = `native-${AddonIsa}-${AddonGemm}`;

/** Whether the native addon runs kd's kernels in this process, and why not. Plain JSON. */
export interface NativeAddonStatus {
  /** used: loaded and passed the parity probe; unavailable: not built, did not load or failed the probe; off: KD_NATIVE=0 */
  state: 'used' | 'unavailable' | 'off';
  /** one line, when not used */
  reason?: string;
  /** when used: the CPU build, its widest convolution tiles (speed only), the GEMM, the threads and the BLAS found */
  isa?: AddonIsa;
  tiles?: AddonTiles;
  gemm?: AddonGemm;
  threads?: number;
  blas?: AddonInfo['blas'];
  blasReason?: string;
}

let status: NativeAddonStatus | undefined;
let addon: NativeAddon | undefined;
let loadedInfo: AddonInfo | undefined;

/**
 * Threads for the addon's kernels: KD_THREADS when set (a sweep's workers get 1 when several run
 * at once), else every core.
 */
export function defaultNativeThreads(): number {
  const n = Number(process.env.KD_THREADS);
  return Number.isInteger(n) && n >= 1 ? n : os.availableParallelism();
}

/** Load the addon once, set its threads and check it against the wasm build on a small problem. */
export function nativeAddonStatus(): NativeAddonStatus {
  if (status) return status;
  const load = loadNativeAddon();
  if (!load.ok) {
    status = { state: process.env.KD_NATIVE === '0' ? 'off' : 'unavailable', reason: load.reason };
    return status;
  }
  load.addon.setThreads(defaultNativeThreads());
  const mismatch = parityProbe(load.addon);
  if (mismatch) {
    status = { state: 'unavailable', reason: `the native addon failed its parity probe: ${mismatch}` };
    return status;
  }
  addon = load.addon;
  loadedInfo = addon.info();
  status = { state: 'used', ...currentInfo() };
  return status;
}

function currentInfo(): Omit<NativeAddonStatus, 'state'> {
  const info = addon!.info();
  return {
    isa: info.isa,
    tiles: info.tiles,
    gemm: info.gemm,
    threads: info.threads,
    blas: info.blas,
    blasReason: info.blasReason,
  };
}

/** The addon's state now (its build and threads may have been switched since it loaded). */
export function nativeAddonReport(): NativeAddonStatus {
  const s = nativeAddonStatus();
  return s.state === 'used' ? { state: 'used', ...currentInfo() } : s;
}

/** Use n threads in the addon's kernels (results do not depend on it); the number in use, or 1 without the addon. */
export function setNativeThreads(n: number): number {
  if (nativeAddonStatus().state !== 'used') return 1;
  return addon!.setThreads(n);
}

/**
 * The addon's best build here (its CPU build; its own GEMM on FMA CPUs without AVX-512, else OpenBLAS
 * when found; KD_NATIVE_GEMM chooses), or undefined without it.
 */
export function bestAddonBuild(): AddonKernelBuild | undefined {
  if (nativeAddonStatus().state !== 'used') return undefined;
  return `native-${loadedInfo!.isa}-${loadedInfo!.gemm}`;
}

/** Every addon build this machine runs, best first. */
export function availableAddonBuilds(): AddonKernelBuild[] {
  if (nativeAddonStatus().state !== 'used') return [];
  const isas: AddonIsa[] = loadedInfo!.isa === 'fma' ? ['fma', 'sse2'] : ['sse2'];
  // the GEMM the addon chose at load first
  const gemms: AddonGemm[] = !loadedInfo!.blas
    ? ['own']
    : loadedInfo!.gemm === 'own'
      ? ['own', 'openblas']
      : ['openblas', 'own'];
  return isas.flatMap((isa) => gemms.map((gemm): AddonKernelBuild => `native-${isa}-${gemm}`));
}

/** Switch the addon to `build`; throws a one-line error when this machine cannot run it. */
export function selectAddonBuild(build: string): void {
  if (!(availableAddonBuilds() as string[]).includes(build)) {
    const why = status?.reason ? ` (${status.reason})` : '';
    throw new Error(`kernel build '${build}' is not available here${why}`);
  }
  const [, isa, gemm] = build.split('-') as [string, AddonIsa, AddonGemm];
  addon!.setIsa(isa);
  addon!.setGemm(gemm);
}

/** The addon's kernels on `memory` (the wasm backend's WebAssembly.Memory). */
export function addonKernelsOn(memory: { buffer: ArrayBuffer }): Pick<NativeKernels, AddonKernel | AddonOnlyKernel> {
  if (!addon) throw new Error('the native addon is not in use');
  return bind(addon, memory);
}

function bind(a: NativeAddon, memory: { buffer: ArrayBuffer }): Pick<NativeKernels, AddonKernel | AddonOnlyKernel> {
  const bound = {} as Record<AddonKernel | AddonOnlyKernel, (...args: number[]) => void>;
  for (const name of [...ADDON_KERNELS, ...ADDON_ONLY_KERNELS]) {
    const fn = a[name];
    bound[name] = (...args: number[]) => fn(memory.buffer, ...args);
  }
  return bound as unknown as Pick<NativeKernels, AddonKernel | AddonOnlyKernel>;
}

/**
 * Runs a matrix product (both transposes), a convolution, its filter gradient and a batch norm
 * with the addon and with the wasm build on one scratch memory; the first difference beyond
 * 1e-4 (relative to the largest value), or undefined when all agree.
 */
function parityProbe(candidate: NativeAddon): string | undefined {
  const memory = new (wasmApi.Memory as unknown as new (d: { initial: number }) => { buffer: ArrayBuffer })({
    initial: 16,
  });
  const reference = wasmKernelsOn(memory, bestWasmBuild());
  let top = 64;
  const alloc = (floats: number, fill?: (i: number) => number): number => {
    const offset = top;
    top += Math.ceil((floats * 4) / 64) * 64;
    if (fill) new Float32Array(memory.buffer, offset, floats).set(Array.from({ length: floats }, (_, i) => fill(i)));
    return offset;
  };
  const wave = (seed: number) => (i: number) => Math.sin(i * 0.7 + seed) * 0.5;
  const cases: Array<{
    name: string;
    out: number;
    floats: number;
    run: (k: Pick<NativeKernels, AddonKernel>) => void;
  }> = [];
  {
    const [m, n, k] = [37, 29, 53];
    const a = alloc(m * k, wave(1));
    const b = alloc(k * n, wave(2));
    const scratch = alloc(256 * 40 + 256 * 5 + 40);
    for (const [ta, tb] of [
      [0, 0],
      [1, 1],
    ]) {
      const out = alloc(m * n);
      cases.push({
        name: `batch_matmul transposes ${ta}/${tb}`,
        out,
        floats: m * n,
        run: (kk) => kk.batch_matmul(a, b, out, 1, m, n, k, 0, 0, ta!, tb!, scratch),
      });
    }
  }
  {
    const [nImg, h, w, c, co] = [9, 7, 6, 5, 8];
    const src = alloc(nImg * h * w * c, wave(3));
    const filter = alloc(3 * 3 * c * co, wave(4));
    const out = alloc(nImg * 5 * 4 * co);
    cases.push({
      name: 'gather_conv',
      out,
      floats: nImg * 5 * 4 * co,
      run: (kk) => kk.gather_conv(src, filter, out, nImg, h, w, c, 5, 4, co, 3, 3, 1, 1, 0, 0, 1, 1, 1, 1),
    });
    const dw = alloc(3 * 3 * c * co);
    cases.push({
      name: 'conv2d_backprop_filter',
      out: dw,
      floats: 3 * 3 * c * co,
      run: (kk) => kk.conv2d_backprop_filter(src, out, dw, nImg, h, w, c, 5, 4, co, 3, 3, 1, 1, 0, 0, 1, 1),
    });
  }
  {
    const [rows, c] = [30, 6];
    const x = alloc(rows * c, wave(5));
    const gamma = alloc(c, wave(6));
    const beta = alloc(c, wave(7));
    const y = alloc(rows * c);
    const mean = alloc(c);
    const variance = alloc(c);
    const scratch = alloc(6 * c);
    cases.push({
      name: 'bn_train_forward',
      out: y,
      floats: rows * c,
      run: (kk) => kk.bn_train_forward(x, gamma, beta, y, mean, variance, rows, c, 1e-3, 0, scratch),
    });
  }
  for (const probe of cases) {
    probe.run(reference);
    const want = new Float32Array(memory.buffer, probe.out, probe.floats).slice();
    new Float32Array(memory.buffer, probe.out, probe.floats).fill(Number.NaN);
    probe.run(bind(candidate, memory));
    const got = new Float32Array(memory.buffer, probe.out, probe.floats);
    const scale = Math.max(1e-6, ...want.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
    if (!(worst <= 1e-4)) return `${probe.name} differs from the wasm build by ${worst.toExponential(2)}`;
  }
  return undefined;
}
