import type { BackendReport } from './select-backend.js';

/**
 * What decides a run's floating-point results besides its config and seed: the tfjs backend and, on
 * wasm, which build of kd's kernels ran (the relaxed-SIMD build fuses multiply-adds, so it rounds
 * differently from the SIMD128 build; the native addon's builds round as their GEMM does, and
 * OpenBLAS's depends on the kernel family it picked for the CPU, e.g. `native-fma-openblas/Haswell`).
 * Never the number of threads. Two runs with equal config, seed and numerics give bit-identical
 * results; caches of trained models are keyed by it.
 */
export interface Numerics {
  readonly backend: string;
  readonly kernelBuild: string | null;
}

export function numericsOf(report: Pick<BackendReport, 'backend' | 'kernelBuild' | 'native'>): Numerics {
  if (report.backend !== 'wasm') return { backend: report.backend, kernelBuild: null };
  const core = report.native?.gemm === 'openblas' ? report.native.blas?.core : undefined;
  const build = report.kernelBuild ?? null;
  return { backend: report.backend, kernelBuild: build && core ? `${build}/${core}` : build };
}

/** e.g. `wasm/relaxed-simd`, `cpu`. */
export function numericsLabel(n: Numerics): string {
  return n.kernelBuild ? `${n.backend}/${n.kernelBuild}` : n.backend;
}
