import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, listTree, tempDir, tinyConfig, writeFile } from '../test/kd.js';

/** The rows of a markdown table, cells trimmed (the rule line left out, backticks dropped). */
function markdownRows(md: string): string[][] {
  return md
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[:-]/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/`/g, '')),
    );
}

/** The rows of the page's results table, as text. */
function htmlRows(page: string): string[][] {
  const table = page.match(/<table class="results">(.*?)<\/table>/s)![1]!;
  return [...table.matchAll(/<tr>(.*?)<\/tr>/gs)].map((r) =>
    [...r[1]!.matchAll(/<t[hd]>(.*?)<\/t[hd]>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, '')),
  );
}

/** `kd report` on a tiny sweep (2 cells × 2 seeds, 2 epochs) and on one of its runs. */
describe('kd report', () => {
  const cwd = tempDir('report');
  const config = writeFile(cwd, 'tiny.yaml', tinyConfig());
  const sweep = join(cwd, 'out', 'rep');
  const sweepArgs = [
    'sweep',
    config,
    '--variant',
    'student={methods: [], teacher: null}',
    '--variant',
    'kd={}',
    '--seeds',
    '2',
    '--set',
    'train.epochs=2',
    '--out',
    'out',
    '--name',
    'rep',
    '--quiet',
  ];

  it('a sweep page: the table of results.md value for value, a chart per metric and per cell', async () => {
    const run = await kd(sweepArgs, cwd);
    expect(run.code, run.stderr).toBe(0);
    const r = await kd(['report', sweep], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`sweep report: ${sweep}/report.html\n`);
    const page = readFileSync(join(sweep, 'report.html'), 'utf8');
    const table = markdownRows(readFileSync(join(sweep, 'results.md'), 'utf8'));
    expect(table.map((row) => row[0])).toEqual(['cell', 'student', 'kd']);
    expect(htmlRows(page)).toEqual(table);
    expect([...page.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'bar-student_test_last',
      'bar-student_test_best',
      'bar-student_val_best',
      'bar-student_test_loss_last',
      'val-accuracy',
      'cell-01-student-distill',
      'cell-02-kd-distill',
    ]);
    expect(page).not.toMatch(/<script|src=|href=|https?:/i);
  });

  it('a run page, written where --out says', async () => {
    const out = join(cwd, 'pages', 'kd-seed-1.html');
    const r = await kd(['report', join(sweep, 'kd', 'seed-1'), '--out', out], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`run report: ${out}\n`);
    const page = readFileSync(out, 'utf8');
    // the teacher's own training is a stage of the run that trained it (which seed does depends on the timing of the parallel runs)
    const summary = JSON.parse(readFileSync(join(sweep, 'kd', 'seed-1', 'summary.json'), 'utf8'));
    const stages = summary.teachers[0].source === 'trained' ? ['teacher-train', 'distill'] : ['distill'];
    expect([...page.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual([
      ...stages.flatMap((stage, i) =>
        ['train', 'steps', 'val-fraction', 'val-score'].map((c) => `0${i + 1}-${stage}-${c}`),
      ),
      'lr',
    ]);
    expect(page).toContain('<td>methods[0].id</td><td>kd</td>');
    expect(page).toContain('<td>train.epochs</td><td>2</td>');
    expect(page).toMatch(/<h3>Teachers<\/h3>\s*<table><thead><tr><th>teacher<\/th>/);
  });

  it('--plots writes the sweep charts as SVG files and prints them as markdown images', async () => {
    const r = await kd(['report', 'out/rep', '--plots', 'docs/plots/rep'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('![student test accuracy (last)](docs/plots/rep/bar-student_test_last.svg)');
    for (const line of lines) expect(existsSync(join(cwd, line.match(/\]\((.*)\)$/)![1]!))).toBe(true);
  });

  it('a folder that is neither a run nor a sweep: one line, exit 2, nothing written', async () => {
    const empty = join(cwd, 'empty');
    writeFile(empty, 'notes.txt', 'not a run');
    const before = listTree(cwd);
    const r = await kd(['report', empty], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`kd: ${empty} is neither a run folder (config.json) nor a sweep folder (sweep.json)\n`);
    expect(listTree(cwd)).toEqual(before);
    const plots = await kd(['report', join(sweep, 'kd', 'seed-1'), '--plots', 'p'], cwd);
    expect(plots.code).toBe(2);
    expect(plots.stderr).toMatch(/^kd: --plots needs a sweep folder; .* is a run folder\n$/);
    expect(listTree(cwd)).toEqual(before);
  });
});
