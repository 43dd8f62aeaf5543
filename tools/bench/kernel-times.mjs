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

let recording = false;
let depth = 0;
const byKernel = new Map();
const byShape = new Map();
const add = (map, key, ms) => {
  const e = map.get(key) ?? { ms: 0, n: 0 };
  e.ms += ms;
  e.n++;
  map.set(key, e);
};
for (const config of tf.getKernelsForBackend(tf.getBackend())) {
  const inner = config.kernelFunc;
  config.kernelFunc = (args) => {
    // a kernel that calls another (e.g. _FusedMatMul → BatchMatMul) counts once, as itself
    if (!recording || depth > 0) return inner(args);
    depth++;
    const t = performance.now();
    let out;
    try {
      out = inner(args);
    } finally {
      depth--;
    }
    const ms = performance.now() - t;
    add(byKernel, config.kernelName, ms);
    const shapes = Object.values(args.inputs).map((v) => v?.shape);
    add(byShape, `${config.kernelName} ${JSON.stringify(shapes)}`, ms);
    return out;
  };
}
recording = true;
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const stepMs = (performance.now() - t0) / steps;
recording = false;
const inKernels = [...byKernel.values()].reduce((s, e) => s + e.ms, 0) / steps;
const calls = [...byKernel.values()].reduce((s, e) => s + e.n, 0) / steps;
console.log(
  `${name} batch ${w.batch}: ${stepMs.toFixed(1)} ms/step; kernels ${inKernels.toFixed(1)} ms in ${calls} calls, ` +
    `outside them ${(stepMs - inKernels).toFixed(1)} ms (means of ${steps} steps after ${warmupArg})`,
);
for (const [k, v] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  console.log(`${k.padEnd(30)} ${(v.ms / steps).toFixed(2).padStart(8)} ms  x${v.n / steps}`);
}
console.log('costliest kernel × input shapes (all calls of a kind summed, per step):');
for (const [k, v] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
  console.log(`  ${(v.ms / steps).toFixed(2).padStart(7)} ms  x${String(v.n / steps).padEnd(4)} ${k}`);
}
