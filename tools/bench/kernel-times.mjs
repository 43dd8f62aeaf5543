#!/usr/bin/env node
// Where a training step's time goes, kernel by kernel, measured without tf.profile (which reads
// every output back and so overstates small kernels and hides what a second thread gains): every
// kernel function of the chosen backend is wrapped with a clock (kd's kernels run synchronously),
// and the time not spent in kernels is the engine's own (tape, tidy, dispatch).
//   node tools/bench/kernel-times.mjs <workload> [steps=10] [warmup=20] [backend=wasm] [kernel build]
// Workloads as in tools/bench/workloads.mjs. Prints ms/step, then the kernels by time per step and
// the costliest kernel × input shapes. Run after `npm test` (or `npx nx run-many -t build`).
import * as tf from '@tensorflow/tfjs';
import { selectBackend, backendSummary, useNativeKernelBuild } from '@kd/tfjs-runtime';
import { WORKLOADS, trainingStep } from './workloads.mjs';
import { clockKernels } from './kernel-clock.mjs';

const [name = 'transformer', stepsArg = '10', warmupArg = '20', backend = 'wasm', build] = process.argv.slice(2);
const w = WORKLOADS[name];
if (!w) {
  console.error(`unknown workload '${name}' (${Object.keys(WORKLOADS).join(', ')})`);
  process.exit(2);
}
const steps = Number(stepsArg);
tf.enableProdMode();
const report = await selectBackend({ backend });
if (build) useNativeKernelBuild(build); // e.g. native-fma-own, relaxed-simd
console.log(backendSummary(report));
const step = trainingStep(w);
for (let i = 0; i < Number(warmupArg); i++) step();

const clock = clockKernels(tf);
clock.start();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const stepMs = (performance.now() - t0) / steps;
clock.stop();
const totals = clock.totals();
const inKernels = totals.ms / steps;
const calls = totals.calls / steps;
console.log(
  `${name} batch ${w.batch}: ${stepMs.toFixed(1)} ms/step; kernels ${inKernels.toFixed(1)} ms in ${calls} calls, ` +
    `outside them ${(stepMs - inKernels).toFixed(1)} ms (means of ${steps} steps after ${warmupArg})`,
);
for (const line of clock.report(steps)) console.log(line);
