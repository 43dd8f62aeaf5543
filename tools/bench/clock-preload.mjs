// Kernel clocks inside any `kd` command, e.g. a method's real training run (the bench workloads
// cover single networks only):
//   KD_CLOCK_FROM=60 KD_CLOCK_FOR=120 node --import ./tools/bench/clock-preload.mjs \
//     apps/cli/dist/main.js run <config> --run-dir /tmp/clocked
// From KD_CLOCK_FROM seconds after start (default 60: past start-up and the first steps) for
// KD_CLOCK_FOR seconds (default 60), every kernel of the backend then in use is clocked
// (kernel-clock.mjs); then the kernels by time are printed to stderr as shares of the window's wall
// time, and the process exits (KD_CLOCK_KEEP=1: it goes on). Use a throwaway run folder.
import * as tf from '@tensorflow/tfjs-core';
import { clockKernels } from './kernel-clock.mjs';

const from = Number(process.env.KD_CLOCK_FROM ?? 60);
const span = Number(process.env.KD_CLOCK_FOR ?? 60);
setTimeout(() => {
  const clock = clockKernels(tf);
  const t0 = performance.now();
  clock.start();
  setTimeout(() => {
    clock.stop();
    const wall = performance.now() - t0;
    const { ms, calls } = clock.totals();
    const lines = [
      `kernel clock (${tf.getBackend()}): ${(wall / 1000).toFixed(1)} s of wall time, ${(ms / 1000).toFixed(1)} s ` +
        `(${((100 * ms) / wall).toFixed(1)} %) in ${calls} kernel calls; figures per second of wall time:`,
      ...clock.report(wall / 1000, { kernels: 40, shapes: 40 }),
    ];
    process.stderr.write(lines.join('\n') + '\n');
    if (process.env.KD_CLOCK_KEEP !== '1') process.exit(0);
  }, span * 1000).unref();
}, from * 1000).unref();
