#!/usr/bin/env node
// Memory over a long TFJS training run: tensor count and resident set size (RSS) after every step.
//   npm run bench:memory [-- --steps 200 --warmup 10 --workloads resnet8,resnet20,transformer]
// For each workload one process runs `warmup + steps` SGD steps (tools/bench/train-step.mjs) and
// this prints, per workload, one line
//   memory <workload> steps=<n> tensors=<first>→<last> (max <max>) rss_mib=<first>→<last> (peak <peak>) growth_mib=<last-first>
// where "first" is the first step after the warm-up, then the RSS, the wasm backend's linear memory
// and V8's heap at a few steps. Flat means: tensors constant, RSS growth of a
// few MiB at most (allocator noise), no trend.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const steps = arg('steps', '200');
const warmup = arg('warmup', '10');
const workloads = arg('workloads', 'resnet8,resnet20,transformer').split(',');

for (const w of workloads) {
  const r = spawnSync(process.execPath, [join(here, 'train-step.mjs'), w, steps, warmup], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.error(`train-step ${w} failed:\n${r.stderr}`);
    process.exit(1);
  }
  const { tensors, rssMiB, ms, wasmHeapMiB, jsHeapMiB } = JSON.parse(r.stdout.trim().split('\n').at(-1));
  const half = Math.floor(rssMiB.length / 2);
  const mean = (a) => a.reduce((p, v) => p + v, 0) / a.length;
  console.log(
    `memory ${w} steps=${tensors.length} tensors=${tensors[0]}→${tensors.at(-1)} (max ${Math.max(...tensors)}) ` +
      `rss_mib=${rssMiB[0]}→${rssMiB.at(-1)} (peak ${Math.max(...rssMiB)}) growth_mib=${rssMiB.at(-1) - rssMiB[0]} ` +
      `second_half_minus_first_half_mib=${(mean(rssMiB.slice(half)) - mean(rssMiB.slice(0, half))).toFixed(1)} ` +
      `mean_ms=${mean(ms).toFixed(0)}`,
  );
  const at = [0, 24, 49, 99, 149, rssMiB.length - 1].filter((i, j, a) => i < rssMiB.length && a.indexOf(i) === j);
  console.log(
    `  by step ${at.map((i) => i + 1).join('/')}: rss ${at.map((i) => rssMiB[i]).join('/')} MiB, ` +
      `wasm heap ${at.map((i) => wasmHeapMiB[i]).join('/')} MiB, js heap ${at.map((i) => jsHeapMiB[i]).join('/')} MiB`,
  );
}
