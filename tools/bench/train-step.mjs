#!/usr/bin/env node
// Milliseconds per SGD training step of a workload with kd's own runtime, models and optimizer
// (the TFJS side of tools/bench/run.mjs). Run after `npm test` (or `npx nx run-many -t build`):
//   node tools/bench/train-step.mjs <workload> <steps> <warmup> [backend]
// Prints one JSON line {"workload", "backend", "ms": [per-step times], "cpuPerWall": CPU time / wall
// time over the measured steps (≈ threads really busy), "tensors": [count after each
// step], "rssMiB": [resident set size], "wasmHeapMiB": [wasm linear memory], "jsHeapMiB": [V8 heap used]}.
import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@kd/core';
import { architectures } from '@kd/models';
import { selectBackend } from '@kd/tfjs-runtime';
import { createOptimizer, OptimizerConfigSchema } from '@kd/trainer';
import { WORKLOADS } from './workloads.mjs';


const [name, steps = '10', warmup = '3', backend = 'wasm'] = process.argv.slice(2);
const w = WORKLOADS[name];
if (!w) {
  console.error(`unknown workload '${name}' (${Object.keys(WORKLOADS).join(', ')})`);
  process.exit(2);
}
tf.enableProdMode();
const report = await selectBackend({ backend });
const model = architectures.find((a) => a.id === w.arch).build({ inputShape: w.shape, numClasses: 10, seed: 0, options: w.options });
const vars = model.namedParameters();
const list = [...vars.values()];
const names = new Map([...vars].map(([k, v]) => [v.name, k]));
const opt = createOptimizer(OptimizerConfigSchema.parse({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 }));
const x = tf.randomNormal([w.batch, ...w.shape], 0, 1, 'float32', 1);
const y = tf.tensor1d(Array.from({ length: w.batch }, (_, i) => i % 10), 'int32');
const taps = new Set(['logits']);
const rss = [];
const heap = [];
const jsHeap = [];
const ms = [];
const tensors = [];
let cpuMs = 0;
let wallMs = 0;
for (let i = 0; i < Number(warmup) + Number(steps); i++) {
  const t = performance.now();
  const c = process.cpuUsage();
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => crossEntropy(model.forward({ x, y }, { training: true, taps }).logits, y), list);
    opt.step(vars, Object.fromEntries(Object.entries(grads).map(([k, g]) => [names.get(k), g])), 0.1);
  });
  list[0].dataSync(); // wait for the step to finish
  if (i >= Number(warmup)) {
    ms.push(performance.now() - t);
    wallMs += performance.now() - t;
    const used = process.cpuUsage(c);
    cpuMs += (used.user + used.system) / 1000;
    tensors.push(tf.memory().numTensors);
    const mem = process.memoryUsage();
    rss.push(Math.round(mem.rss / 2 ** 20));
    jsHeap.push(Math.round(mem.heapUsed / 2 ** 20));
    const wasm = tf.backend().wasm; // the wasm backend's linear memory (grows, never shrinks)
    heap.push(wasm ? Math.round(wasm.HEAPU8.length / 2 ** 20) : 0);
  }
}
console.log(JSON.stringify({ workload: name, backend: report.backend, kernelBuild: report.kernelBuild, threads: report.native?.threads ?? 1, kernels: report.kernels, ms, cpuPerWall: cpuMs / wallMs, tensors, rssMiB: rss, wasmHeapMiB: heap, jsHeapMiB: jsHeap }));
