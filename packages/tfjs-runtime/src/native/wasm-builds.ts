import v8 from 'node:v8';
import type { AddonKernel } from '@kd/native-kernels';
import { KERNELS_WASM_BASE64, KERNELS_WASM_RELAXED_BASE64 } from './kernels-wasm.js';
import type { NativeKernels } from './module.js';

/** The wasm builds of kd_kernels.c: with relaxed SIMD (fused multiply-add) or plain SIMD128. */
export type WasmKernelBuild = 'relaxed-simd' | 'simd128';

/** The part of the WebAssembly JS API used here (the project's lib setting has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => object;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

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
export function relaxedSimdAvailable(): boolean {
  if (process.env.KD_WASM_RELAXED_SIMD === '0') return false;
  if (wasmApi.validate(RELAXED_SIMD_PROBE)) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return wasmApi.validate(RELAXED_SIMD_PROBE);
}

/** The faster wasm build this engine runs. */
export function bestWasmBuild(): WasmKernelBuild {
  return relaxedSimdAvailable() ? 'relaxed-simd' : 'simd128';
}

let compiled: { build: WasmKernelBuild; module: object } | undefined;

function compile(wasmBuild: WasmKernelBuild): object {
  // (asking also switches Node 20's V8 flag on, which compiling the relaxed build needs)
  if (wasmBuild === 'relaxed-simd' && !relaxedSimdAvailable()) throw new Error('this engine has no relaxed SIMD');
  if (compiled?.build !== wasmBuild) {
    const base64 = wasmBuild === 'relaxed-simd' ? KERNELS_WASM_RELAXED_BASE64 : KERNELS_WASM_BASE64;
    compiled = { build: wasmBuild, module: new wasmApi.Module(Buffer.from(base64, 'base64')) };
  }
  return compiled.module;
}

/** The kernels of a wasm build instantiated on `memory` (a WebAssembly.Memory). */
export function wasmKernelsOn(memory: object, wasmBuild: WasmKernelBuild): Pick<NativeKernels, AddonKernel> {
  return new wasmApi.Instance(compile(wasmBuild), { env: { memory } }).exports as unknown as Pick<
    NativeKernels,
    AddonKernel
  >;
}
