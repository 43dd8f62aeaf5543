import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The kernels of csrc/kd_kernels.c the addon exposes (the same arguments as the wasm build's). */
export const ADDON_KERNELS = [
  'conv2d_backprop_filter',
  'depthwise_filter_grad',
  'gather_conv',
  'pad_nhwc',
  'rotate_transpose_filter',
  'bn_train_forward',
  'bn_train_backward',
  'bn_affine_rows',
  'ln_forward',
  'ln_backward',
  'batch_matmul',
  'sum_rows',
  'sum_middle',
  'sum_last',
  'max_pool',
  'max_pool_grad',
  'unsorted_segment_sum',
  'sgd_momentum_step',
  'binary_op',
  'binary_rows',
  'binary_cols',
  'relu',
  'relu_grad',
  'transpose_blocks',
  'softmax_grad',
] as const;
export type AddonKernel = (typeof ADDON_KERNELS)[number];

/**
 * Kernels only the addon has, composed in C from the ones above and its threads:
 * `gather_conv_padded(src, w, dst, N, H, W, Cin, top, left, Hp, Wp, Ho, Wo, Cout, KH, KW, Ah, Aw,
 * Bh, Bw, Dh, Dw, Sh, Sw)` pads each image into its thread's scratch and runs `gather_conv` on it;
 * `heads_matmul(A, B, C, batch, heads, M, N, K, aBatch, aHead, lda, transA, bBatch, bHead, ldb, transB,
 * cBatch, cHead, ldc)` multiplies attention heads where they lie (strided operands; with OpenBLAS,
 * or with the FMA build's own 6 × 16 tiles).
 */
export const ADDON_ONLY_KERNELS = ['gather_conv_padded', 'heads_matmul'] as const;
export type AddonOnlyKernel = (typeof ADDON_ONLY_KERNELS)[number];

/** Which build of the kernels runs: FMA (x86-64 with AVX2 and FMA) or SSE2 (any x86-64). */
export type AddonIsa = 'fma' | 'sse2';
/**
 * The convolutions' widest register tiles: 512-bit where the CPU has AVX-512F, else 256-bit (FMA
 * build) or 128-bit (SSE2 build). Speed only: every width gives the same bits.
 */
export type AddonTiles = 'avx512' | 'avx2' | 'sse';
/** Where matrix products go: OpenBLAS (loaded at run time when installed) or kd's own GEMM. */
export type AddonGemm = 'openblas' | 'own';

export interface AddonInfo {
  isa: AddonIsa;
  tiles: AddonTiles;
  gemm: AddonGemm;
  threads: number;
  /** the OpenBLAS found (null: none; see blasReason) */
  blas: { library: string; core: string; config: string } | null;
  blasReason: string;
}

/**
 * The addon. Each kernel takes the tfjs wasm backend's heap (`memory.buffer`, read anew on every
 * call because growing the memory detaches the old buffer) and then exactly the arguments of the
 * wasm build: byte offsets into the heap for tensors and scratch, then the sizes.
 */
export type NativeAddon = Record<AddonKernel | AddonOnlyKernel, (heap: ArrayBuffer, ...args: number[]) => void> & {
  info(): AddonInfo;
  /** threads for the large kernels (results do not depend on it); returns the number in use */
  setThreads(n: number): number;
  /** returns the GEMM in use ('own' when asked for OpenBLAS and none is loaded) */
  setGemm(gemm: AddonGemm): AddonGemm;
  /** throws on a CPU without AVX2/FMA when asked for 'fma' */
  setIsa(isa: AddonIsa): AddonIsa;
  /** the FMA build's tiles (KD_NATIVE_TILES=avx2 at load keeps to 256-bit); throws for 'avx512' without AVX-512F; returns the tiles in use */
  setTiles(tiles: 'avx512' | 'avx2'): AddonTiles;
};

export type AddonLoad = { ok: true; addon: NativeAddon } | { ok: false; reason: string };

/** What scripts/build-addon.mjs wrote at install. */
export interface BuildStatus {
  built: boolean;
  reason: string;
}

const addonFile = fileURLToPath(new URL('../build/kd_native.node', import.meta.url));
const statusFile = fileURLToPath(new URL('../build/status.json', import.meta.url));

export function addonPath(): string {
  return addonFile;
}

export function buildStatus(): BuildStatus | undefined {
  if (!existsSync(statusFile)) return undefined;
  try {
    return JSON.parse(readFileSync(statusFile, 'utf8')) as BuildStatus;
  } catch {
    return undefined;
  }
}

let loaded: AddonLoad | undefined;

/**
 * Load the addon once per process: `{ ok: false, reason }` (one line) when it is switched off
 * (KD_NATIVE=0), was not built at install (the build's own reason), or does not load here.
 */
export function loadNativeAddon(): AddonLoad {
  loaded ??= load();
  return loaded;
}

function load(): AddonLoad {
  if (process.env.KD_NATIVE === '0') return { ok: false, reason: 'KD_NATIVE=0' };
  if (!existsSync(addonFile)) {
    const status = buildStatus();
    const why = status && !status.built ? status.reason : 'no build at install';
    return { ok: false, reason: `the native addon was not built (${why}): npm rebuild @kd/native-kernels` };
  }
  try {
    const addon = createRequire(import.meta.url)(addonFile) as NativeAddon;
    for (const name of ADDON_KERNELS) {
      if (typeof addon[name] !== 'function') return { ok: false, reason: `the native addon has no ${name}` };
    }
    return { ok: true, addon };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: `the native addon did not load: ${message.split('\n')[0]}` };
  }
}
