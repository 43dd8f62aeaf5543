import type { BackendReport } from './select-backend.js';

/**
 * What decides a run's floating-point results besides its config and seed: the tfjs backend and, on
 * wasm, which build of kd's native kernels ran (the relaxed-SIMD build fuses multiply-adds, so it
 * rounds differently from the SIMD128 build). Two runs with equal config, seed and numerics give
 * bit-identical results; caches of trained models are keyed by it.
 */
export interface Numerics {
  readonly backend: string;
  readonly kernelBuild: string | null;
}

export function numericsOf(report: Pick<BackendReport, 'backend' | 'kernelBuild'>): Numerics {
  return { backend: report.backend, kernelBuild: report.backend === 'wasm' ? (report.kernelBuild ?? null) : null };
}

/** e.g. `wasm/relaxed-simd`, `cpu`. */
export function numericsLabel(n: Numerics): string {
  return n.kernelBuild ? `${n.backend}/${n.kernelBuild}` : n.backend;
}
