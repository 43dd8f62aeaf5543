#!/usr/bin/env node
// Side-by-side training-step benchmark: TFJS (kd runtime + models) vs PyTorch, interleaved.
//   npm run bench [-- --reps 3 --steps 10 --warmup 3 --workloads resnet8,resnet20,transformer,cnn]
// Each repetition runs every workload once in TFJS and once in PyTorch (separate processes, one
// thread each), alternating; the median per-step time over all repetitions is reported. The last
// lines are `<workload> tfjs_ms=<median> torch_ms=<median> ratio=<tfjs/torch>`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const reps = Number(arg('reps', '3'));
const steps = arg('steps', '10');
const warmup = arg('warmup', '3');
const workloads = arg('workloads', 'resnet8,resnet20,transformer,cnn').split(',');
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const python = '/usr/bin/python3';
const torchCheck = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
const haveTorch = torchCheck.status === 0;
if (!haveTorch) {
  console.log('PyTorch not found for /usr/bin/python3: apt-get update && apt-get install -y python3-torch libopenblas0-pthread');
  console.log('(printing the TFJS figures only)');
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const times = Object.fromEntries(workloads.map((w) => [w, { tfjs: [], torch: [] }]));
for (let rep = 1; rep <= reps; rep++) {
  for (const w of workloads) {
    const order = rep % 2 ? ['tfjs', 'torch'] : ['torch', 'tfjs'];
    for (const side of order) {
      if (side === 'torch' && !haveTorch) continue;
      const r =
        side === 'tfjs'
          ? run(process.execPath, [join(here, 'train-step.mjs'), w, steps, warmup])
          : run(python, [join(here, 'train_step.py'), w, steps, warmup]);
      times[w][side].push(...r.ms);
      const extra = side === 'tfjs' ? ` tensors ${r.tensors[0]}→${r.tensors.at(-1)}` : '';
      console.log(`rep ${rep}/${reps} ${w} ${side}: median ${median(r.ms).toFixed(1)} ms/step${extra}`);
    }
  }
}
console.log('');
for (const w of workloads) {
  const tfjs = median(times[w].tfjs);
  const torch = haveTorch ? median(times[w].torch) : NaN;
  console.log(`${w} tfjs_ms=${tfjs.toFixed(1)} torch_ms=${haveTorch ? torch.toFixed(1) : 'NA'} ratio=${haveTorch ? (tfjs / torch).toFixed(2) : 'NA'}`);
}
