import * as tf from '@tensorflow/tfjs';
import {
  addonKernelsOn,
  availableAddonBuilds,
  bestAddonBuild,
  selectAddonBuild,
  type AddonKernelBuild,
} from './addon.js';
import { gatherConvPaddedByImage } from './gather-conv.js';
import { bestWasmBuild, relaxedSimdAvailable, wasmApi, wasmKernelsOn, type WasmKernelBuild } from './wasm-builds.js';

export type { AddonKernelBuild } from './addon.js';
export type { WasmKernelBuild } from './wasm-builds.js';

/**
 * kd's own training kernels (kd_kernels.c in @kd/native-kernels) on the wasm backend's linear
 * memory, as a wasm module instantiated on it or as the native addon: they read and write tensors
 * in place, every pointer is an offset into the tfjs heap, as given by `offsetOf`.
 */
export interface NativeKernels {
  conv2d_backprop_filter(x: number, dy: number, dw: number, ...dims: number[]): void;
  /** (x, dy, dw, N, H, W, C, Ho, Wo, KH, KW, sh, sw, ph, pw): a depthwise convolution's filter gradient (multiplier 1) */
  depthwise_filter_grad(x: number, dy: number, dw: number, ...dims: number[]): void;
  /** see kd_kernels.c: the forward conv and the input gradient, over a zero-padded source */
  gather_conv(src: number, w: number, dst: number, ...dims: number[]): void;
  /**
   * gather_conv over `src` zero-padded image by image (see gather-conv.ts): (src, w, dst, N, H, W,
   * Cin, top, left, Hp, Wp, Ho, Wo, Cout, KH, KW, Ah, Aw, Bh, Bw, Dh, Dw, Sh, Sw)
   */
  gather_conv_padded(src: number, w: number, dst: number, ...dims: number[]): void;
  /**
   * Products of attention heads where they lie, strided (see heads-matmul.ts): (A, B, C, batch, heads,
   * M, N, K, aBatch, aHead, lda, transA, bBatch, bHead, ldb, transB, cBatch, cHead, ldc). Only on the
   * addon builds `headsInPlace` names: undefined elsewhere.
   */
  heads_matmul?: (...args: number[]) => void;
  pad_nhwc(
    src: number,
    dst: number,
    n: number,
    h: number,
    w: number,
    c: number,
    hp: number,
    wp: number,
    top: number,
    left: number,
  ): void;
  rotate_transpose_filter(w: number, wt: number, taps: number, c: number, co: number): void;
  bn_train_forward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    variance: number,
    m: number,
    c: number,
    eps: number,
    /** 1: y = relu(batch norm) */
    relu: number,
    scratch: number,
  ): void;
  ln_forward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    rstd: number,
    rows: number,
    c: number,
    eps: number,
  ): void;
  ln_backward(
    dy: number,
    x: number,
    mean: number,
    rstd: number,
    gamma: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    rows: number,
    c: number,
  ): void;
  /** inference batch norm over rows [m0, m1) of x [M, c]: y = x·scale + shift per channel, then relu when 1 */
  bn_affine_rows(
    x: number,
    scale: number,
    shift: number,
    y: number,
    m0: number,
    m1: number,
    c: number,
    relu: number,
  ): void;
  bn_train_backward(
    dy: number,
    x: number,
    mean: number,
    variance: number,
    gamma: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    m: number,
    c: number,
    eps: number,
    scratch: number,
  ): void;
  batch_matmul(
    a: number,
    b: number,
    c: number,
    batch: number,
    m: number,
    n: number,
    k: number,
    strideA: number,
    strideB: number,
    transA: number,
    transB: number,
    scratch: number,
  ): void;
  sum_rows(x: number, out: number, rows: number, cols: number): void;
  /** out[o, c] = Σ_r x[o, r, c] / divisor */
  sum_middle(x: number, out: number, outer: number, rows: number, cols: number, divisor: number): void;
  /** out[r] = Σ_c x[r, c] / divisor for rows [r0, r1) of `cols` values: each row in order */
  sum_last(x: number, out: number, r0: number, r1: number, cols: number, divisor: number): void;
  max_pool(x: number, y: number, ...dims: number[]): void;
  max_pool_grad(x: number, dy: number, dx: number, ...dims: number[]): void;
  unsorted_segment_sum(x: number, ids: number, out: number, n: number, inner: number, segments: number): void;
  sgd_momentum_step(
    w: number,
    g: number,
    buf: number,
    wOut: number,
    bufOut: number,
    n: number,
    lr: number,
    momentum: number,
    weightDecay: number,
    nesterov: number,
  ): void;
  /** out[i0..i1) = a (op) b, one shape; op 0 add, 1 subtract, 2 multiply, 3 divide */
  binary_op(a: number, b: number, out: number, i0: number, i1: number, op: number): void;
  /** out[r, c] = a[r, c] (op) b[c] for rows [r0, r1) */
  binary_rows(a: number, b: number, out: number, r0: number, r1: number, cols: number, op: number): void;
  /** out[r, c] = a[r, c] (op) b[r] for rows [r0, r1) (b: a last axis of 1, broadcast) */
  binary_cols(a: number, b: number, out: number, r0: number, r1: number, cols: number, op: number): void;
  relu(x: number, out: number, i0: number, i1: number): void;
  /** dy * (x > 0 ? 1 : 0) */
  relu_grad(dy: number, x: number, out: number, i0: number, i1: number): void;
  /** out[a, c, b, d] = x[a, b, c, d] for a in [a0, a1) */
  transpose_blocks(x: number, out: number, a0: number, a1: number, b: number, c: number, d: number): void;
  /** Softmax's gradient over the last axis, rows [r0, r1) of `cols`: dy·y − (Σ dy·y)·y */
  softmax_grad(y: number, dy: number, out: number, r0: number, r1: number, cols: number): void;
  /** byte offset of a tensor's data in the shared heap */
  offsetOf(t: tf.TensorInfo): number;
  /** the heap's bytes now (a new view: growing the memory detaches the old one) */
  heapBytes(): Uint8Array;
  /** output tensor allocated by the backend; returns it with its offset */
  output(shape: number[]): { info: tf.TensorInfo; offset: number };
  /** scratch space from the backend's allocator; release with `free` */
  malloc(bytes: number): number;
  /** whether batch_matmul needs the caller's packing scratch (the addon packs in its own per-thread buffers) */
  readonly gemmScratch: boolean;
  /** whether these are the native addon's kernels (the element-wise ones take over from the stock kernels only then) */
  readonly onAddon: boolean;
  free(offset: number): void;
}

interface WasmBackendLike {
  wasm: { asm?: { memory?: unknown }; _malloc(n: number): number; _free(p: number): void };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/**
 * Which build of kd_kernels.c (in @kd/native-kernels) runs:
 * - `relaxed-simd`: wasm with f32x4.relaxed_madd (one fused multiply-add on CPUs with FMA; the
 *   matrix products run ≈ 1.4× faster than `simd128`, a multiply and an add);
 * - `native-<isa>-<gemm>`: the Node native addon on the same heap (see ./addon.ts): the same loops
 *   compiled for x86-64 (`fma` with AVX2/FMA, `sse2` otherwise; `native-fma` rounds as
 *   `relaxed-simd` except in OpenBLAS's products and in filter gradients over more than 8 images,
 *   summed in chunks), matrix products by OpenBLAS (`openblas`) or kd's own GEMM (`own`), the
 *   large kernels on all cores.
 * Builds differ only in rounding.
 */
export type NativeKernelBuild = WasmKernelBuild | AddonKernelBuild;

let build: NativeKernelBuild | undefined;
let instances = new WeakMap<object, NativeKernels>();

/**
 * The build the kernels use in this process, decided on first use: the native addon's best build
 * when it loaded and passed its parity probe (`nativeAddonStatus()` says why not), else the best
 * wasm build.
 */
export function nativeKernelBuild(): NativeKernelBuild {
  build ??= bestAddonBuild() ?? bestWasmBuild();
  return build;
}

/** The builds this process can run, best first (tests check them all). */
export function availableNativeKernelBuilds(): NativeKernelBuild[] {
  const wasm: WasmKernelBuild[] = relaxedSimdAvailable() ? ['relaxed-simd', 'simd128'] : ['simd128'];
  return [...availableAddonBuilds(), ...wasm];
}

/** Switch the build from here on (tests and benchmarks); kernels rebind on their next call. */
export function useNativeKernelBuild(next: NativeKernelBuild): void {
  if (next === 'relaxed-simd' && !relaxedSimdAvailable()) throw new Error('this engine has no relaxed SIMD');
  if (next !== 'relaxed-simd' && next !== 'simd128') selectAddonBuild(next);
  build = next;
  instances = new WeakMap();
}

/**
 * Whether an addon build multiplies attention heads where they lie (`heads_matmul`): with OpenBLAS
 * (strided BLAS calls), or with kd's own GEMM on the FMA builds (their 6 × 16 tiles read strided
 * operands); the SSE2 build's own GEMM composes the transposes and BatchMatMul instead.
 */
export function headsInPlace(build: NativeKernelBuild): boolean {
  return build.endsWith('-openblas') || build === 'native-fma-own';
}

/**
 * The native kernels bound to `backend` (a tfjs wasm backend), or undefined when the backend does
 * not expose its memory the way tfjs-backend-wasm 4.x does (the composed kernels are used then).
 */
export function nativeKernelsFor(backend: unknown): NativeKernels | undefined {
  const b = backend as WasmBackendLike;
  const memory = b?.wasm?.asm?.memory;
  if (!(memory instanceof wasmApi.Memory) || typeof b.wasm._malloc !== 'function') return undefined;
  const cached = instances.get(b);
  if (cached) return cached;
  const current = nativeKernelBuild();
  const onWasm = current === 'relaxed-simd' || current === 'simd128';
  const addon = onWasm ? undefined : addonKernelsOn(memory as { buffer: ArrayBuffer });
  const exports = addon ?? wasmKernelsOn(memory, current as WasmKernelBuild);
  const offsetOf = (t: tf.TensorInfo): number => {
    const data = b.dataIdMap.get(t.dataId);
    if (!data) throw new Error('tensor data is not on the wasm backend');
    return data.memoryOffset;
  };
  const malloc = (bytes: number) => b.wasm._malloc(bytes);
  const free = (offset: number) => b.wasm._free(offset);
  const kernels: NativeKernels = {
    conv2d_backprop_filter: exports.conv2d_backprop_filter,
    depthwise_filter_grad: exports.depthwise_filter_grad,
    gather_conv: exports.gather_conv,
    gather_conv_padded: addon ? addon.gather_conv_padded : gatherConvPaddedByImage(exports, malloc, free),
    heads_matmul: addon && headsInPlace(current) ? addon.heads_matmul : undefined,
    pad_nhwc: exports.pad_nhwc,
    rotate_transpose_filter: exports.rotate_transpose_filter,
    bn_train_forward: exports.bn_train_forward,
    bn_train_backward: exports.bn_train_backward,
    bn_affine_rows: exports.bn_affine_rows,
    ln_forward: exports.ln_forward,
    ln_backward: exports.ln_backward,
    batch_matmul: exports.batch_matmul,
    sum_rows: exports.sum_rows,
    sum_middle: exports.sum_middle,
    sum_last: exports.sum_last,
    max_pool: exports.max_pool,
    max_pool_grad: exports.max_pool_grad,
    unsorted_segment_sum: exports.unsorted_segment_sum,
    sgd_momentum_step: exports.sgd_momentum_step,
    binary_op: exports.binary_op,
    binary_rows: exports.binary_rows,
    binary_cols: exports.binary_cols,
    relu: exports.relu,
    relu_grad: exports.relu_grad,
    transpose_blocks: exports.transpose_blocks,
    softmax_grad: exports.softmax_grad,
    offsetOf,
    heapBytes: () => new Uint8Array((memory as { buffer: ArrayBuffer }).buffer),
    output: (shape) => {
      const info = b.makeOutput(shape, 'float32');
      return { info, offset: offsetOf(info) };
    },
    malloc,
    gemmScratch: onWasm,
    onAddon: !onWasm,
    free,
  };
  instances.set(b, kernels);
  return kernels;
}

/**
 * The native kernels for a fused kernel that takes float32 inputs only: throws a one-line error
 * naming `kernel` (and the input) otherwise, or when `backend` is not a tfjs wasm backend.
 */
export function nativeKernelsForFloat(backend: unknown, kernel: string, inputs: tf.NamedTensorInfoMap): NativeKernels {
  for (const [name, t] of Object.entries(inputs)) {
    if (t && t.dtype !== 'float32') throw new Error(`${kernel}: input ${name} must be float32, got ${t.dtype}`);
  }
  const k = nativeKernelsFor(backend);
  if (!k) throw new Error(`${kernel} needs the tfjs wasm backend's memory`);
  return k;
}
