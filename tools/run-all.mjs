#!/usr/bin/env node
// The one test command (README, .ci/run): build, typecheck, lint and test every project through nx,
// then print the closing line "N passed, N failed" summed from each project's reports/vitest.json.
// Exits non-zero when nx failed, any test failed, or no test ran.
import { spawnSync } from 'node:child_process';
import { summarize } from './test-summary.mjs';

const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const started = Date.now();
const nx = spawnSync(
  'npx',
  ['nx', 'run-many', '-t', 'build', 'typecheck', 'lint', 'test', '--outputStyle=static'],
  { stdio: 'inherit', env },
);
const { passed, failed, files } = summarize();
console.log(`\n(test reports: ${files}, wall ${((Date.now() - started) / 1000).toFixed(1)} s)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(nx.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
