#!/usr/bin/env node
// Per-kernel profile (tf.profile) of one SGD training step of a bench workload, after warm-up:
//   node tools/bench/profile-step.mjs <workload> [batch] [warmup=5] [backend=wasm] [profiled=5]
// Workloads as in tools/bench/workloads.mjs (resnet8, resnet20, cnn, transformer). Run from the
// repository root after `npm test` (or `npx nx run-many -t build`). Prints ms/step (mean of 5
// unprofiled steps), then the kernels by time per step (summed over `profiled` profiled steps and
// divided by their number: one step alone is too noisy on a shared VM), then the 12 costliest calls
// with their input shapes.
import * as tf from '@tensorflow/tfjs';
import { selectBackend, backendSummary } from '@kd/tfjs-runtime';
import { WORKLOADS, trainingStep } from './workloads.mjs';

const [name = 'resnet8', batchArg, warmup = '5', backend = 'wasm', profiledArg = '5'] = process.argv.slice(2);
const profiled = Math.max(1, Number(profiledArg));
const w = WORKLOADS[name];
if (!w) {
  console.error(`unknown workload '${name}' (${Object.keys(WORKLOADS).join(', ')})`);
  process.exit(2);
}
const batch = Number(batchArg ?? w.batch);
tf.enableProdMode();
console.log(backendSummary(await selectBackend({ backend })));
const step = trainingStep(w, batch);
for (let i = 0; i < Number(warmup); i++) step();
const t = performance.now();
for (let i = 0; i < 5; i++) step();
console.log(`${name} batch ${batch}: ${((performance.now() - t) / 5).toFixed(1)} ms/step`);
const kernels = [];
for (let i = 0; i < profiled; i++) kernels.push(...(await tf.profile(step)).kernels);
const prof = { kernels: kernels.map((k) => ({ ...k, kernelTimeMs: k.kernelTimeMs / profiled })) };
const by = new Map();
let total = 0;
for (const k of prof.kernels) {
  const e = by.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += k.kernelTimeMs;
  e.n++;
  total += k.kernelTimeMs;
  by.set(k.name, e);
}
console.log(
  `kernel time ${total.toFixed(1)} ms in ${prof.kernels.length / profiled} calls per step (mean of ${profiled} profiled steps)`,
);
for (const [k, v] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
  console.log(`${k.padEnd(30)} ${v.ms.toFixed(1).padStart(8)} ms  x${v.n / profiled}`);
}
console.log(`costliest single calls (of all ${profiled} profiled steps):`);
for (const k of [...kernels].sort((a, b) => b.kernelTimeMs - a.kernelTimeMs).slice(0, 12)) {
  console.log(`  ${k.name.padEnd(22)} ${k.kernelTimeMs.toFixed(2).padStart(7)} ms  ${JSON.stringify(k.inputShapes)}`);
}
console.log('costliest kernel × input shapes (all calls of a kind summed):');
const byShape = new Map();
for (const k of prof.kernels) {
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  const e = byShape.get(key) ?? { ms: 0, n: 0 };
  e.ms += k.kernelTimeMs;
  e.n++;
  byShape.set(key, e);
}
for (const [k, v] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  console.log(`  ${v.ms.toFixed(2).padStart(7)} ms  x${String(v.n / profiled).padEnd(4)} ${k}`);
}
