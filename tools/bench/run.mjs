#!/usr/bin/env node
// Side-by-side training-step benchmark: TFJS (kd runtime + models) vs PyTorch, interleaved.
//   npm run bench [-- --reps 3 --steps 10 --warmup 20 --workloads resnet8,resnet20,transformer,cnn
//                    --threads 1,all --kernels native,wasm --torch warm,default]
// For each thread setting (1, and `all` = every core) each repetition runs every workload once per
// TFJS kernel side (`native`: kd's native addon, KD_THREADS=<threads>; `wasm`: KD_NATIVE=0, the
// wasm kernels, which always run one thread) and once per PyTorch side, separate processes,
// alternating the order; the median per-step time over all repetitions is reported.
// PyTorch runs at <threads> in every pool (torch.set_num_threads and OMP/OPENBLAS/MKL_NUM_THREADS:
// OpenBLAS ignores the former and would use every core) — `warm`: with glibc's malloc kept from
// returning large blocks to the OS (MALLOC_MMAP_THRESHOLD_=32 MiB, MALLOC_TRIM_THRESHOLD_=4 GiB),
// so no step pays page faults for its activations (this VM's page faults are costly and erratic);
// `default`: the allocator as it comes. Each side's CPU time / wall time is printed, so the thread
// count is visible. 20 warm-up steps by default: a training run is measured at its steady state;
// kd's first ≈ 10 steps are slower (V8 optimises the tfjs engine's JavaScript as it runs, the wasm
// heap grows to its working size) — a ResNet-8 step at 2 threads ≈ 52 ms over steps 4–11, ≈ 44 ms
// after — while PyTorch is at its steady state from step 3. The last lines are
// `<workload> threads=<n> <side>_ms=<median> ... ratio=<first kd side / first torch side> ...`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const reps = Number(arg('reps', '3'));
const steps = arg('steps', '10');
const warmup = arg('warmup', '20');
const workloads = arg('workloads', 'resnet8,resnet20,transformer,cnn').split(',');
const cores = availableParallelism();
const threadSettings = arg('threads', '1,all')
  .split(',')
  .map((t) => (t === 'all' ? cores : Number(t)))
  .filter((t, i, all) => all.indexOf(t) === i);
const sides = arg('kernels', 'native').split(',');
const SIDE_ENV = { native: {}, wasm: { KD_NATIVE: '0' } };
for (const side of sides) if (!SIDE_ENV[side]) throw new Error(`--kernels: unknown side '${side}' (native, wasm)`);
const TORCH_ENV = {
  warm: { MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20), MALLOC_TRIM_THRESHOLD_: String(4 * 2 ** 30) },
  default: {},
};
const torchSides = arg('torch', 'warm,default')
  .split(',')
  .map((t) => {
    if (!TORCH_ENV[t]) throw new Error(`--torch: unknown side '${t}' (warm, default)`);
    return `torch-${t}`;
  });
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

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const key = (w, threads) => `${w} threads=${threads}`;
const times = {};
for (let rep = 1; rep <= reps; rep++) {
  for (const threads of threadSettings) {
    for (const w of workloads) {
      const order = [...sides, ...(haveTorch ? torchSides : [])];
      const entry = (times[key(w, threads)] ??= Object.fromEntries(order.map((s) => [s, []])));
      if ((rep + threadSettings.indexOf(threads)) % 2 === 0) order.reverse();
      for (const side of order) {
        const torch = side.startsWith('torch-');
        const n = String(threads);
        const r = torch
          ? run(python, [join(here, 'train_step.py'), w, steps, warmup, n], {
              ...TORCH_ENV[side.slice('torch-'.length)],
              OMP_NUM_THREADS: n,
              OPENBLAS_NUM_THREADS: n,
              MKL_NUM_THREADS: n,
            })
          : run(process.execPath, [join(here, 'train-step.mjs'), w, steps, warmup], {
              ...SIDE_ENV[side],
              KD_THREADS: n,
            });
        entry[side].push(...r.ms);
        const busy = (torch ? r.cpu_per_wall : r.cpuPerWall).toFixed(2);
        const extra = torch ? '' : ` (${r.kernelBuild}, ${r.threads} thr) tensors ${r.tensors[0]}→${r.tensors.at(-1)}`;
        console.log(
          `rep ${rep}/${reps} ${key(w, threads)} ${side}: median ${median(r.ms).toFixed(1)} ms/step, cpu/wall ${busy}${extra}`,
        );
      }
    }
  }
}
console.log('');
for (const threads of threadSettings) {
  for (const w of workloads) {
    const entry = times[key(w, threads)];
    const ours = median(entry[sides[0]]);
    const cols = Object.entries(entry).map(([s, ms]) => `${s}_ms=${median(ms).toFixed(1)}`);
    const ratios = haveTorch
      ? torchSides.map((t, i) => `${i === 0 ? 'ratio' : `ratio_${t}`}=${(ours / median(entry[t])).toFixed(2)}`)
      : ['ratio=NA'];
    console.log(`${key(w, threads)} ${cols.join(' ')} ${ratios.join(' ')}`);
  }
}
