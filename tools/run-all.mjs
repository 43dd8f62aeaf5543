#!/usr/bin/env node
// The one test command (README, .ci/run): build, typecheck, lint and test every project through nx,
// then print the closing line "N passed, N failed" summed from each project's reports/vitest.json.
// Exits non-zero when nx failed, any test failed, or no test ran.
//
// nx caches task results in the workspace (.nx/cache). With NX_SKIP_NX_CACHE=true (what CI sets) the
// cache is neither read nor written, every task runs, and this script checks that every project
// wrote a fresh test report in this invocation: a replayed or missing report fails the run.
import { spawnSync } from 'node:child_process';
import { clearReports, summarize } from './test-summary.mjs';

const skipCache = /^(1|true|yes)$/i.test(process.env.NX_SKIP_NX_CACHE ?? '');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const started = Date.now();
clearReports();
console.log(
  skipCache
    ? 'nx cache: skipped (NX_SKIP_NX_CACHE) — every task runs now'
    : 'nx cache: on (.nx/cache) — unchanged projects replay their results; NX_SKIP_NX_CACHE=true npm test runs everything',
);
const nx = spawnSync(
  'npx',
  ['nx', 'run-many', '-t', 'build', 'typecheck', 'lint', 'test', '--outputStyle=static', ...(skipCache ? ['--skip-nx-cache'] : [])],
  { stdio: 'inherit', env },
);
const { passed, failed, files, stale } = summarize(undefined, started);
console.log(`\n(test reports: ${files}, wall ${((Date.now() - started) / 1000).toFixed(1)} s)`);
if (stale.length) console.log(`no test report written by this run: ${stale.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(nx.status !== 0 || failed > 0 || passed === 0 || (skipCache && stale.length > 0) ? 1 : 0);
