// What tools/bench/conv-kernels.mjs and gemm-kernels.mjs share: their options, the addon builds they
// load (the installed one, or the paths named), a WebAssembly.Memory heap to run kernels on, and
// the median.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `--reps N` (default 10) and `--threads N` (default 1) from the command line; the rest are addon paths. */
export function benchArgs(argv = process.argv.slice(2)) {
  const args = [...argv];
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const value = Number(args[i + 1]);
    args.splice(i, 2);
    return value;
  };
  const reps = option('--reps', 10);
  const threads = option('--threads', 1);
  const paths = args.length > 0 ? args : [resolve(root, 'packages/native-kernels/build/kd_native.node')];
  return { reps, threads, paths };
}

/** Each addon build at `paths`, on `threads` threads: { path, addon, info }. */
export function loadAddons(paths, threads) {
  const require = createRequire(import.meta.url);
  return paths.map((path) => {
    const addon = require(resolve(path));
    addon.setThreads(threads);
    return { path, addon, info: addon.info() };
  });
}

/** A heap of `pages` 64 KiB pages and a bump allocator on it (offsets 64-byte aligned; `reset` starts over). */
export function benchHeap(pages) {
  const memory = new WebAssembly.Memory({ initial: pages });
  let top = 64;
  const alloc = (floats, seed) => {
    const offset = top;
    top += Math.ceil((floats * 4) / 64) * 64 + 64;
    if (seed !== undefined) {
      const v = new Float32Array(memory.buffer, offset, floats);
      for (let i = 0; i < floats; i++) v[i] = Math.sin(i * 0.61 + seed) * 0.7;
    }
    return offset;
  };
  return { memory, alloc, reset: () => (top = 64) };
}

export const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
