import * as tf from '@tensorflow/tfjs';
import v8 from 'node:v8';
import { KERNELS_WASM_BASE64, KERNELS_WASM_RELAXED_BASE64 } from './kernels-wasm.js';

/**
 * The project's own wasm training kernels (native/kd_kernels.c), instantiated on the wasm
 * backend's linear memory so that they read and write tensors in place: every pointer is an
 * offset into the tfjs heap, as given by `offsetOf`.
 */
export interface NativeKernels {
  conv2d_backprop_filter(x: number, dy: number, dw: number, ...dims: number[]): void;
  /** see native/kd_kernels.c: the forward conv and the input gradient, over a zero-padded source */
  gather_conv(src: number, w: number, dst: number, ...dims: number[]): void;
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
  max_pool_grad(x: number, dy: number, dx: number, ...dims: number[]): void;
  unsorted_segment_sum(x: number, ids: number, out: number, n: number, inner: number, segments: number): void;
  /** byte offset of a tensor's data in the shared heap */
  offsetOf(t: tf.TensorInfo): number;
  /** output tensor allocated by the backend; returns it with its offset */
  output(shape: number[]): { info: tf.TensorInfo; offset: number };
  /** scratch space from the backend's allocator; release with `free` */
  malloc(bytes: number): number;
  free(offset: number): void;
}

interface WasmBackendLike {
  wasm: { asm?: { memory?: unknown }; _malloc(n: number): number; _free(p: number): void };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** The part of the WebAssembly JS API used here (the project's lib setting has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => object;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * Which build of native/kd_kernels.c runs: `relaxed-simd` uses f32x4.relaxed_madd (one fused
 * multiply-add on CPUs with FMA; the matrix products run ≈ 1.4× faster), `simd128` a multiply and
 * an add. The two differ only in the rounding of those sums.
 */
export type NativeKernelBuild = 'relaxed-simd' | 'simd128';

/** (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)) */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2,
  253, 133, 2, 11,
]);

/**
 * Whether the engine runs relaxed SIMD. V8 ships it from 11.4 (Node 22); Node 20's V8 11.3 has it
 * behind --experimental-wasm-relaxed-simd, which is switched on here (it only adds instructions).
 * KD_WASM_RELAXED_SIMD=0 opts out.
 */
function relaxedSimdAvailable(): boolean {
  if (process.env.KD_WASM_RELAXED_SIMD === '0') return false;
  if (wasmApi.validate(RELAXED_SIMD_PROBE)) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return wasmApi.validate(RELAXED_SIMD_PROBE);
}

let build: NativeKernelBuild | undefined;
let compiled: object | undefined;
let instances = new WeakMap<object, NativeKernels>();

/** The build the native kernels use in this process (decided once, on first use). */
export function nativeKernelBuild(): NativeKernelBuild {
  build ??= relaxedSimdAvailable() ? 'relaxed-simd' : 'simd128';
  return build;
}

/** The builds this engine can run, best first (tests check both). */
export function availableNativeKernelBuilds(): NativeKernelBuild[] {
  return relaxedSimdAvailable() ? ['relaxed-simd', 'simd128'] : ['simd128'];
}

/** Switch the build from here on (tests and benchmarks); kernels rebind on their next call. */
export function useNativeKernelBuild(next: NativeKernelBuild): void {
  if (next === 'relaxed-simd' && !relaxedSimdAvailable()) throw new Error('this engine has no relaxed SIMD');
  build = next;
  compiled = undefined;
  instances = new WeakMap();
}

function compile(): object {
  const base64 = nativeKernelBuild() === 'relaxed-simd' ? KERNELS_WASM_RELAXED_BASE64 : KERNELS_WASM_BASE64;
  compiled ??= new wasmApi.Module(Buffer.from(base64, 'base64'));
  return compiled;
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
  const exports = new wasmApi.Instance(compile(), { env: { memory } }).exports as unknown as Pick<
    NativeKernels,
    | 'conv2d_backprop_filter'
    | 'gather_conv'
    | 'pad_nhwc'
    | 'rotate_transpose_filter'
    | 'bn_train_forward'
    | 'bn_train_backward'
    | 'ln_forward'
    | 'ln_backward'
    | 'batch_matmul'
    | 'sum_rows'
    | 'max_pool_grad'
    | 'unsorted_segment_sum'
  >;
  const offsetOf = (t: tf.TensorInfo): number => {
    const data = b.dataIdMap.get(t.dataId);
    if (!data) throw new Error('tensor data is not on the wasm backend');
    return data.memoryOffset;
  };
  const kernels: NativeKernels = {
    conv2d_backprop_filter: exports.conv2d_backprop_filter,
    gather_conv: exports.gather_conv,
    pad_nhwc: exports.pad_nhwc,
    rotate_transpose_filter: exports.rotate_transpose_filter,
    bn_train_forward: exports.bn_train_forward,
    bn_train_backward: exports.bn_train_backward,
    ln_forward: exports.ln_forward,
    ln_backward: exports.ln_backward,
    batch_matmul: exports.batch_matmul,
    sum_rows: exports.sum_rows,
    max_pool_grad: exports.max_pool_grad,
    unsorted_segment_sum: exports.unsorted_segment_sum,
    offsetOf,
    output: (shape) => {
      const info = b.makeOutput(shape, 'float32');
      return { info, offset: offsetOf(info) };
    },
    malloc: (bytes) => b.wasm._malloc(bytes),
    free: (offset) => b.wasm._free(offset),
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
