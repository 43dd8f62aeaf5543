#!/usr/bin/env node
// Time to load the full Fashion-MNIST (70,000 images: read, gunzip, SHA-256 check, decode, split)
// in a fresh process. Run after `npm test` (uses the built @kd/data):
//   node tools/bench/fashion-mnist.mjs [--reps 3]
import { spawnSync } from 'node:child_process';

const at = process.argv.indexOf('--reps');
const reps = at > 0 ? Number(process.argv[at + 1]) : 3;
const child = `
  const t = performance.now();
  const { loadFashionMnist } = await import('@kd/data');
  const t1 = performance.now();
  const ds = loadFashionMnist({});
  const t2 = performance.now();
  const lt = loadFashionMnist({ longTail: { imbalance: 100 } });
  const t3 = performance.now();
  console.log(JSON.stringify({ importMs: t1 - t, loadMs: t2 - t1, longTailMs: t3 - t2, train: ds.split('train').size, ltTrain: lt.split('train').size }));
`;
const runs = [];
for (let i = 0; i < reps; i++) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  runs.push(JSON.parse(r.stdout.trim().split('\n').at(-1)));
}
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const load = median(runs.map((r) => r.loadMs));
console.log(`fashion-mnist full load (read + gunzip + sha256 + decode + split) median of ${reps}: ${load.toFixed(0)} ms` +
  ` (import ${median(runs.map((r) => r.importMs)).toFixed(0)} ms; long-tail ρ=100 from the cached arrays ${median(runs.map((r) => r.longTailMs)).toFixed(0)} ms, ${runs[0].ltTrain} train images)`);
