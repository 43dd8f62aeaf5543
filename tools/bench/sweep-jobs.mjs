#!/usr/bin/env node
// Parallel sweep speed-up: the same 4-run sweep (2 cells × 2 seeds, ResNet-8 students on MNIST) with
// `kd sweep --jobs 1` and `--jobs 2`, each into a fresh folder, alternating, `--reps` times; prints
// the median wall time of each and the speed-up, and checks that both tables hold the same numbers.
//   node tools/bench/sweep-jobs.mjs [--reps 2] [--train 2000] [--epochs 15]
// Each run lasts about 25 s alone: a run's fixed cost (starting Node, compiling the wasm kernels,
// loading the data: ~2 s, and V8 compiles in background threads that compete when every core
// trains) is then small beside its training, as in real sweeps.
// Needs the built CLI (npm test, or npx nx run-many -t build). Run it on an otherwise idle machine:
// the goal (issue 14) is a speed-up ≥ 1.8× with --jobs 2 on 2 cores.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kd = join(root, 'apps', 'cli', 'dist', 'main.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const reps = Number(arg('reps', '2'));
const train = Number(arg('train', '2000'));
const epochs = Number(arg('epochs', '15'));
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const work = mkdtempSync(join(tmpdir(), 'kd-bench-jobs-'));
const config = join(work, 'students.yaml');
writeFileSync(
  config,
  `name: students
seed: 1
backend: wasm
data:
  dataset: mnist
  options: { trainSize: ${train}, val: 1000, test: 1000 }
student:
  arch: resnet8
  options: { width: 8 }
train: { epochs: ${epochs}, batchSize: 64, evalBatchSize: 500, optimizer: { lr: 0.05 } }
methods: []
`,
);

function sweep(jobs, rep) {
  const out = join(work, `jobs${jobs}-rep${rep}`);
  const args = [kd, 'sweep', config, '--out', out, '--name', 'bench', '--seeds', '2', '--jobs', String(jobs), '-q'];
  args.push('--grid', 'train.optimizer.lr=0.05,0.1');
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: work });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`kd sweep --jobs ${jobs} failed (exit ${r.status}):\n${r.stderr}`);
  // the table's numbers without the time columns: equal for any --jobs
  const csv = readFileSync(join(out, 'bench', 'results.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').slice(0, -2).join(','));
  rmSync(out, { recursive: true, force: true });
  return { seconds, csv };
}

console.log(`machine: ${cpus()[0]?.model?.trim()} × ${availableParallelism()} cores, Node ${process.version}`);
console.log(`sweep: 2 cells × 2 seeds, MNIST ${train} train, ResNet-8 width 8, ${epochs} epochs; reps ${reps}`);
const times = { 1: [], 2: [] };
let reference;
for (let rep = 1; rep <= reps; rep++) {
  for (const jobs of rep % 2 ? [1, 2] : [2, 1]) {
    const { seconds, csv } = sweep(jobs, rep);
    times[jobs].push(seconds);
    reference ??= csv;
    if (JSON.stringify(csv) !== JSON.stringify(reference))
      throw new Error(`--jobs ${jobs} gave another table:\n${csv.join('\n')}\nvs\n${reference.join('\n')}`);
    console.log(`rep ${rep} --jobs ${jobs}: ${seconds.toFixed(1)} s`);
  }
}
rmSync(work, { recursive: true, force: true });
const one = median(times[1]);
const two = median(times[2]);
console.log('tables: identical for --jobs 1 and --jobs 2');
console.log(`jobs1_s=${one.toFixed(1)} jobs2_s=${two.toFixed(1)} speedup=${(one / two).toFixed(2)}`);
