import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { clearReports, summarize, testProjects } from '../../../tools/test-summary.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

describe('the test command cannot replay another checkout', () => {
  it("keeps nx's cache inside the workspace, ignored by git", () => {
    const nx = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8')) as { cacheDirectory?: string };
    expect(nx.cacheDirectory).toBeDefined();
    const where = relative(root, resolve(root, nx.cacheDirectory!));
    expect(where.startsWith('..') || isAbsolute(where)).toBe(false);
    const ignored = readFileSync(join(root, '.gitignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored.some((l) => l !== '' && (where + '/').startsWith(l.replace(/^\//, '')))).toBe(true);
  });

  it('CI skips the nx cache before it runs the README test command', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const skip = ci.search(/^export NX_SKIP_NX_CACHE=true$/m);
    const test = ci.search(/^npm test$/m);
    expect(skip).toBeGreaterThan(-1);
    expect(test).toBeGreaterThan(skip);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('NX_SKIP_NX_CACHE=true npm test');
  });
});

describe('test-summary: reports not written by this run are named', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function project(name: string, report?: { passed: number; failed: number; ageMs?: number }): void {
    const p = join(dir, 'packages', name);
    mkdirSync(join(p, 'reports'), { recursive: true });
    writeFileSync(join(p, 'package.json'), JSON.stringify({ name: `@x/${name}`, scripts: { test: 'vitest run' } }));
    if (!report) return;
    const file = join(p, 'reports', 'vitest.json');
    writeFileSync(
      file,
      JSON.stringify({ numPassedTests: report.passed, numFailedTests: report.failed, success: report.failed === 0 }),
    );
    if (report.ageMs) {
      const t = new Date(Date.now() - report.ageMs);
      utimesSync(file, t, t);
    }
  }

  it('sums fresh reports and lists stale or missing ones', () => {
    dir = mkdtempSync(join(tmpdir(), 'kd-summary-'));
    const since = Date.now() - 1000;
    project('fresh', { passed: 3, failed: 1 });
    project('replayed', { passed: 5, failed: 0, ageMs: 60_000 });
    project('silent');
    mkdirSync(join(dir, 'packages', 'no-tests'), { recursive: true });
    writeFileSync(
      join(dir, 'packages', 'no-tests', 'package.json'),
      JSON.stringify({ name: '@x/no-tests', scripts: {} }),
    );
    expect(testProjects(dir).map((p) => p.name)).toEqual(['@x/fresh', '@x/replayed', '@x/silent']);
    const s = summarize(dir, since);
    expect(s).toMatchObject({ passed: 8, failed: 1, files: 2 });
    expect(s.stale).toEqual(['@x/replayed', '@x/silent']);
    expect(summarize(dir).stale).toEqual([]);
    clearReports(dir);
    expect(summarize(dir, since).stale).toEqual(['@x/fresh', '@x/replayed', '@x/silent']);
  });
});
