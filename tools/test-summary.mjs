#!/usr/bin/env node
// Sums the vitest JSON reports (reports/vitest.json of every project under packages/ and apps/), and
// tells which projects with a `test` script have no report written since a given time (tests that
// did not run in this invocation, e.g. replayed from a cache or skipped by a failed build).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Every workspace project with a `test` script: { name, dir, report }. */
export function testProjects(root = defaultRoot) {
  const out = [];
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const manifest = join(dir, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      if (!pkg.scripts?.test) continue;
      out.push({ name: pkg.name ?? name, dir: join(dir, name), report: join(dir, name, 'reports', 'vitest.json') });
    }
  }
  return out;
}

/** Deletes every project's test report, so that a report found afterwards was written by this run. */
export function clearReports(root = defaultRoot) {
  for (const p of testProjects(root)) rmSync(p.report, { force: true });
}

/**
 * Sums passed and failed tests over the projects' reports. With `since` (ms since the epoch), a
 * project whose report is missing or older is listed in `stale`.
 */
export function summarize(root = defaultRoot, since = undefined) {
  let passed = 0;
  let failed = 0;
  let files = 0;
  const stale = [];
  for (const p of testProjects(root)) {
    if (!existsSync(p.report)) {
      if (since !== undefined) stale.push(p.name);
      continue;
    }
    if (since !== undefined && statSync(p.report).mtimeMs < since) stale.push(p.name);
    const json = JSON.parse(readFileSync(p.report, 'utf8'));
    passed += json.numPassedTests ?? 0;
    failed += (json.numFailedTests ?? 0) + (json.success === false && !json.numFailedTests ? 1 : 0);
    files += 1;
  }
  return { passed, failed, files, stale };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { passed, failed } = summarize();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}
