import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, tinyConfig, writeFile } from '../test/kd.js';

/** Two tiny runs that differ in seed and learning rate, compared as a table and as JSON. */
describe('kd compare (two tiny MNIST runs)', () => {
  const cwd = tempDir('compare');
  const config = writeFile(cwd, 'tiny.yaml', tinyConfig());
  const summary = (dir: string) => JSON.parse(readFileSync(join(cwd, dir, 'summary.json'), 'utf8'));
  const pct = (v: number) => (v * 100).toFixed(2);

  it('shows the differing config paths and the seed, and the metrics of each run', async () => {
    for (const [dir, extra] of [
      ['runs/a', []],
      ['runs/b', ['--set', 'seed=2', '--set', 'train.optimizer.lr=0.1']],
    ] as const) {
      const r = await kd(['run', config, '--run-dir', dir, '--quiet', ...extra], cwd);
      expect(r.code, r.stderr).toBe(0);
    }
    const [a, b] = [summary('runs/a'), summary('runs/b')];

    const r = await kd(['compare', 'runs/a', 'runs/b'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('  a: runs/a  (tiny, seed 1, classification, wasm/');
    const rows = r.stdout.split('\n');
    const row = (title: string) =>
      rows
        .find((l) => l.startsWith(`  ${title} `))
        ?.trim()
        .split(/\s{2,}/);
    expect(row('seed')).toEqual(['seed', '1', '2']);
    expect(row('train.optimizer.lr')).toEqual(['train.optimizer.lr', '0.05', '0.1']);
    // only what differs: the rest of the two resolved configs is equal
    expect(rows.slice(rows.indexOf('config') + 1, rows.indexOf('metrics'))).toHaveLength(2);
    expect(row('student test accuracy % (last)')).toEqual([
      'student test accuracy % (last)',
      pct(a.student.test.last.accuracy),
      pct(b.student.test.last.accuracy),
    ]);
    expect(row('student val accuracy % (best)')?.slice(1)).toEqual([
      pct(a.student.val.best.accuracy),
      pct(b.student.val.best.accuracy),
    ]);
    expect(row('student test loss (last)')?.slice(1)).toEqual([
      a.student.test.last.loss.toFixed(4),
      b.student.test.last.loss.toFixed(4),
    ]);
    // the same cached teacher (its seed is its own): equal teacher metrics
    expect(row('teacher test accuracy %')?.slice(1)).toEqual([
      pct(a.teachers[0].metrics.accuracy),
      pct(a.teachers[0].metrics.accuracy),
    ]);
    expect(row('time (s)')).toHaveLength(3);

    const json = await kd(['compare', 'runs/a', 'runs/b', '--json'], cwd);
    expect(json.code, json.stderr).toBe(0);
    const data = JSON.parse(json.stdout);
    expect(data.configKeys).toEqual(['seed', 'train.optimizer.lr']);
    expect(data.runs.map((x: { config: unknown }) => x.config)).toEqual([
      { seed: 1, 'train.optimizer.lr': 0.05 },
      { seed: 2, 'train.optimizer.lr': 0.1 },
    ]);
    expect(data.runs[1].metrics['student.test.best.accuracy']).toBe(b.student.test.best.accuracy);
    expect(data.runs[0].metrics.seconds).toBe(a.seconds);
  });

  it('compares sweep cell folders (seed-<n> runs): mean ± std per cell, differences to the first paired by seed', async () => {
    for (const c of ['x', 'y']) {
      cpSync(join(cwd, 'runs/a'), join(cwd, `cells/${c}/seed-1`), { recursive: true });
      cpSync(join(cwd, 'runs/b'), join(cwd, `cells/${c}/seed-2`), { recursive: true });
    }
    const [a, b] = [summary('runs/a'), summary('runs/b')];
    const r = await kd(['compare', 'cells/x', 'cells/y'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n');
    expect(rows).toContain('  Δ y−x: paired over seeds 1 2');
    expect(rows).toContain('  (no differences but the seeds)');
    const accuracy = rows
      .find((l) => l.startsWith('  student test accuracy % (last) '))!
      .trim()
      .split(/\s{2,}/);
    const mean = (((a.student.test.last.accuracy + b.student.test.last.accuracy) / 2) * 100).toFixed(2);
    expect(accuracy.slice(1).map((v) => v.split(' ± ')[0])).toEqual([mean, mean, '+0.00']);
    const json = JSON.parse((await kd(['compare', 'cells/x', 'cells/y', '--json'], cwd)).stdout);
    expect(json.cells[1].metrics['student.test.last.accuracy'].paired).toEqual({
      mean: 0,
      std: 0,
      n: 2,
      seeds: [1, 2],
    });
  });

  it('refuses fewer than two folders or one that is not a finished run: one line, exit 2, nothing on stdout', async () => {
    cpSync(join(cwd, 'runs/a'), join(cwd, 'runs/stopped'), { recursive: true });
    const stopped = join(cwd, 'runs/stopped/summary.json');
    writeFileSync(stopped, JSON.stringify({ ...JSON.parse(readFileSync(stopped, 'utf8')), completed: false }));
    for (const [args, message] of [
      [['runs/a'], 'kd: kd compare needs at least two run folders or two cell folders (got 1: runs/a)\n'],
      [['runs/a', 'runs'], 'kd: runs is not a run folder (no config.json)\n'],
      [['runs/a', 'runs/c'], 'kd: runs/c: no such run folder\n'],
      [['cells/x', 'runs/a'], 'kd: runs/a is not a sweep cell folder (seed-<n> run folders inside)\n'],
      [['runs/stopped', 'runs/a'], 'kd: runs/stopped has not finished; continue it with kd resume runs/stopped\n'],
    ] as const) {
      const r = await kd(['compare', ...args], cwd);
      expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 2, stderr: message, stdout: '' });
    }
  });
});
