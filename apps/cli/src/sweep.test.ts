import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, tinyConfig, writeFile } from '../test/kd.js';

/** A tiny 2-cell × 2-seed sweep; the rerun skips every finished run and rewrites the same table. */
describe('kd sweep (tiny MNIST)', () => {
  const cwd = tempDir('sweep');
  const config = writeFile(cwd, 'tiny.yaml', tinyConfig());
  const args = [
    'sweep',
    config,
    '--variant',
    'student={methods: [], teacher: null}',
    '--variant',
    'kd={}',
    '--seeds',
    '2',
    '--out',
    'out',
    '--name',
    'cmp',
  ];
  const dir = join(cwd, 'out', 'cmp');

  it('runs cells × seeds into <out>/<name>/<cell>/seed-<k> and writes results.md and results.csv', async () => {
    const r = await kd(args, cwd);
    expect(r.code, r.stderr).toBe(0);
    for (const cell of ['student', 'kd'])
      for (const seed of [1, 2]) expect(existsSync(join(dir, cell, `seed-${seed}`, 'summary.json'))).toBe(true);
    expect(r.stderr).toMatch(/^sweep cmp: 2 cell\(s\) × 2 seed\(s\) = 4 run\(s\)/m);
    expect(r.stderr).toMatch(/^\[sweep 1\/4\] student seed 1: running/m);
    expect(r.stdout).toMatch(/^\| `student` +\| +2 \| +\d+\.\d\d ± \d+\.\d\d \|/m);
    expect(r.stdout).toMatch(/^\| `kd` +\| +2 \| .* \| +\d+\.\d\d ± 0\.00 \|/m); // same teacher for both seeds
    expect(r.stdout).toContain('4/4 runs finished (0 skipped as done earlier)');
    const md = readFileSync(join(dir, 'results.md'), 'utf8');
    expect(md).toContain('- command: `kd sweep');
    expect(md).toContain('- seeds: 1, 2');
    expect(md).toContain('- numerics: wasm/');
    expect(md).toMatch(/- machine: .*cores/);
    // the charts beside results.md, linked from it
    const links = [...md.matchAll(/^!\[[^\]]+\]\((plots\/[^)]+\.svg)\)$/gm)].map((m) => m[1]!);
    expect(links).toContain('plots/val-accuracy.svg');
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const link of links) expect(readFileSync(join(dir, link), 'utf8')).toMatch(/^<svg [^>]*class="marks"/);
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[1]).toMatch(/^student,2,/);
    expect(csv[2]).toMatch(/^kd,2,/);

    const again = await kd(args, cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^\[sweep 4\/4\] kd seed 2: finished earlier, skipped/m);
    expect(again.stderr).not.toMatch(/\[distill\]/);
    expect(again.stdout).toContain('4/4 runs finished (4 skipped as done earlier)');
    expect(readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n')).toEqual(csv);
  });
});
