#!/usr/bin/env node
// Once, for runs finished before `summary.json`'s `seconds` counted a resumed run's earlier processes
// (packages/runner/src/run.ts `runSeconds`): it held the last process's wall time only. This applies
// the same rule to their records — the last process's wall time (the old `seconds`) plus the epochs
// that earlier processes trained and metrics.jsonl keeps (those before the last process's resume
// point) — and rewrites `seconds`. Single-stage runs only (the converged pages' runs); a run with more
// stages, or one whose seconds already count more than its last process, is left alone and named.
//   node experiments/repair-run-seconds.mjs <run-dir> [<run-dir> …]
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node experiments/repair-run-seconds.mjs <run-dir> [<run-dir> …]');
  process.exit(2);
}
for (const dir of dirs) {
  const summaryPath = join(dir, 'summary.json');
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
  const records = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  const epochs = records.filter((r) => r.type === 'epoch');
  const stages = new Set(epochs.map((r) => r.stage));
  if (!summary.completed || stages.size !== 1) {
    console.log(`${dir}: left alone (${summary.completed ? `${stages.size} stages` : 'unfinished'})`);
    continue;
  }
  const [stage] = stages;
  const starts = records.filter((r) => r.type === 'stage-start' && r.stage === stage);
  const resumedAt = starts.at(-1)?.startEpoch ?? 1;
  const earlier = epochs.filter((r) => r.epoch < resumedAt).reduce((s, r) => s + r.seconds, 0);
  const last = epochs.filter((r) => r.epoch >= resumedAt).reduce((s, r) => s + r.seconds, 0);
  if (earlier === 0) {
    console.log(`${dir}: left alone (trained by one process: nothing to add)`);
    continue;
  }
  if (summary.seconds > last + earlier) {
    console.log(`${dir}: left alone (its ${summary.seconds.toFixed(0)} s already count the earlier processes)`);
    continue;
  }
  const seconds = summary.seconds + earlier;
  const tmp = `${summaryPath}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ ...summary, seconds }, null, 2)}\n`);
  renameSync(tmp, summaryPath);
  console.log(`${dir}: seconds ${summary.seconds.toFixed(0)} → ${seconds.toFixed(0)} (resumed at epoch ${resumedAt})`);
}
