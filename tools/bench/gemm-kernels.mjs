#!/usr/bin/env node
// The native addon's matrix products alone, at the shapes of the benchmark transformer's training
// step (tokens 64 × 48 = 3072 rows, width 128, FFN 512: forward, input and weight gradients), one
// thread, with OpenBLAS and with kd's own GEMM, for one addon build or several side by side:
//   node tools/bench/gemm-kernels.mjs [--reps 10] [--threads 1] [addon.node ...]
// Default: the installed build (packages/native-kernels/build/kd_native.node); name other builds
// (KD_NATIVE_OUT=/tmp/old node packages/native-kernels/scripts/build-addon.mjs) to compare versions
// of csrc/. Every (build, GEMM) runs once per repetition, in alternating order; per shape it prints
// each one's median ms and GFLOP/s and whether the own GEMMs of every build wrote the same bits.
import { benchArgs, benchHeap, loadAddons, median } from './addon-bench.mjs';

const { reps, threads, paths } = benchArgs();
const sides = loadAddons(paths, threads).flatMap(({ addon, info }, b) =>
  (info.blas ? ['openblas', 'own'] : ['own']).map((gemm) => ({
    name: `${paths.length > 1 ? `#${b} ` : ''}${gemm}`,
    addon,
    gemm,
  })),
);

// [name, M, N, K, transA, transB]: C[M, N] = op(A) · op(B), row-major
const cases = [
  ['x·W 3072×128 · 128×128', 3072, 128, 128, 0, 0],
  ['x·W1 3072×128 · 128×512', 3072, 512, 128, 0, 0],
  ['h·W2 3072×512 · 512×128', 3072, 128, 512, 0, 0],
  ['dY·Wᵀ 3072×128 · (128×128)ᵀ', 3072, 128, 128, 0, 1],
  ['dY·W2ᵀ 3072×128 · (512×128)ᵀ', 3072, 512, 128, 0, 1],
  ['dH·W1ᵀ 3072×512 · (128×512)ᵀ', 3072, 128, 512, 0, 1],
  ['xᵀ·dY (3072×128)ᵀ · 3072×128', 128, 128, 3072, 1, 0],
  ['xᵀ·dH (3072×128)ᵀ · 3072×512', 128, 512, 3072, 1, 0],
  ['hᵀ·dY (3072×512)ᵀ · 3072×128', 512, 128, 3072, 1, 0],
];

const { memory, alloc, reset } = benchHeap(2048); // 128 MiB

console.log(`${reps} repetitions, ${threads} thread(s); ${sides.map((s) => s.name).join(', ')}`);
for (const [name, M, N, K, ta, tb] of cases) {
  const A = alloc(M * K, 1);
  const B = alloc(K * N, 2);
  const C = sides.map(() => alloc(M * N));
  const scratch = alloc(256 * (N + 16) + 256 * 8 + 64);
  const times = sides.map(() => []);
  for (let r = 0; r < reps + 2; r++) {
    const order = r % 2 ? [...sides.keys()].reverse() : [...sides.keys()];
    for (const i of order) {
      const { addon, gemm } = sides[i];
      addon.setGemm(gemm);
      const t = performance.now();
      addon.batch_matmul(memory.buffer, A, B, C[i], 1, M, N, K, 0, 0, ta, tb, scratch);
      if (r >= 2) times[i].push(performance.now() - t);
    }
  }
  const own = sides.flatMap((s, i) => (s.gemm === 'own' ? [new Uint32Array(memory.buffer, C[i], M * N)] : []));
  const same = own.every((o) => o.every((v, j) => v === own[0][j]));
  const flop = 2 * M * N * K;
  const cells = sides.map((s, i) => {
    const ms = median(times[i]);
    return `${s.name} ${ms.toFixed(3)} ms ${(flop / ms / 1e6).toFixed(1)} GFLOP/s`;
  });
  console.log(
    `${name.padEnd(34)} ${cells.join(' | ')}${own.length > 1 ? ` | own bits ${same ? 'same' : 'DIFFER'}` : ''}`,
  );
  reset();
}
