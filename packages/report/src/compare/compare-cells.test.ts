import type { MetricSpec } from '@kd/core';
import type { RunSummary } from '@kd/runner';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { userErrorMessage as message } from '../test-utils.js';
import { cellComparisonJson, formatCellComparison, formatPaired } from './compare-cells-table.js';
import { compareCells, isCellFolder, readFinishedCell } from './compare-cells.js';

const root = mkdtempSync(join(tmpdir(), 'kd-report-cells-'));
const ACCURACY: MetricSpec = { name: 'accuracy', unit: 'fraction', higherIsBetter: true, description: 'top-1' };

function summary(name: string, seed: number, accuracy: number, completed = true): RunSummary {
  return {
    name,
    runDir: `${name}/seed-${seed}`,
    seed,
    backend: 'wasm',
    backendSummary: 'wasm',
    numerics: seed === 3 ? 'wasm/native-fma-openblas/Zen' : 'wasm/native-fma-openblas/SkylakeX',
    task: { id: 'classification', primary: 'accuracy', metrics: [ACCURACY] },
    methods: [],
    weights: {},
    teachers: [],
    student: {
      arch: 'resnet8',
      params: 1,
      test: { last: { accuracy }, best: { accuracy: accuracy - 0.001 } },
      val: { best: { accuracy: accuracy + 0.01 }, bestEpoch: 10 * seed, last: { accuracy } },
    },
    stages: [],
    seconds: 100 * seed,
    completed,
  };
}

/** A cell folder: seed-<n>/ with config.json and (unless `running`) summary.json. */
function cell(name: string, config: object, accuracies: Record<number, number | 'running'>): string {
  const dir = join(root, 'sweep', name);
  for (const [seed, acc] of Object.entries(accuracies)) {
    const run = join(dir, `seed-${seed}`);
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'config.json'), JSON.stringify({ ...config, seed: Number(seed) }));
    if (acc !== 'running') writeFileSync(join(run, 'summary.json'), JSON.stringify(summary(name, Number(seed), acc)));
  }
  return dir;
}

const alone = cell('student', { train: { epochs: 60 }, methods: [] }, { 1: 0.9, 2: 0.92, 3: 0.94 });
const kd = cell('kd', { train: { epochs: 60 }, methods: [{ id: 'kd' }] }, { 3: 0.96, 1: 0.91, 2: 0.95 });
const at = cell('at', { train: { epochs: 60 }, methods: [{ id: 'at' }] }, { 1: 0.89, 2: 0.9, 3: 'running' });

describe('readFinishedCell', () => {
  it('reads the finished seed-<n> runs in seed order and names the unfinished seeds', () => {
    const c = readFinishedCell(at);
    expect(c.runs.map((r) => r.summary.seed)).toEqual([1, 2]);
    expect(c.unfinished).toEqual([3]);
    expect(readFinishedCell(kd).runs.map((r) => r.dir)).toEqual([1, 2, 3].map((s) => join(kd, `seed-${s}`)));
  });

  it('tells a cell folder from a run folder, a sweep folder and an empty one; refuses a cell with no finished run', () => {
    expect([alone, join(alone, 'seed-1'), join(root, 'sweep'), root].map(isCellFolder)).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(message(() => readFinishedCell(join(root, 'sweep')))).toBe(
      `${join(root, 'sweep')} is not a sweep cell folder (seed-<n> run folders inside)`,
    );
    expect(message(() => readFinishedCell(join(root, 'nope')))).toBe(`${join(root, 'nope')}: no such cell folder`);
    const running = cell('running', {}, { 1: 'running', 2: 'running' });
    expect(message(() => readFinishedCell(running))).toBe(`${running}: no finished run yet (seeds 1, 2 unfinished)`);
  });
});

describe('compareCells', () => {
  const c = compareCells([alone, kd, at].map(readFinishedCell));
  const row = (key: string) => c.metrics.find((m) => m.key === key)!;

  it('gives each cell mean ± std over its seeds and each later cell its difference to the first, paired by seed', () => {
    const acc = row('student.test.last.accuracy');
    expect(acc.stats.map((s) => s.n)).toEqual([3, 3, 2]);
    expect(acc.stats[0]!.mean).toBeCloseTo(0.92, 12);
    expect(acc.stats[0]!.std).toBeCloseTo(0.02, 12);
    // kd − student per seed: +0.01, +0.03, +0.02
    expect(acc.paired[1]!.mean).toBeCloseTo(0.02, 12);
    expect(acc.paired[1]!.std).toBeCloseTo(0.01, 12);
    expect(acc.paired[1]!.seeds).toEqual([1, 2, 3]);
    // at has seeds 1 and 2: −0.01, −0.02
    expect(acc.paired[2]!.mean).toBeCloseTo(-0.015, 12);
    expect(acc.paired[2]!.seeds).toEqual([1, 2]);
    expect(acc.paired[0]).toBeUndefined();
    expect(row('seconds').paired[1]!.mean).toBe(0);
  });

  it('names the config paths where the cells differ, seeds aside, and each cell’s numerics', () => {
    expect(c.config).toEqual([{ key: 'methods[0].id', values: [undefined, 'kd', 'at'] }]);
    expect(c.cells.map((x) => [x.name, x.seeds, x.unfinished, x.numerics])).toEqual([
      ['student', [1, 2, 3], [], ['wasm/native-fma-openblas/SkylakeX', 'wasm/native-fma-openblas/Zen']],
      ['kd', [1, 2, 3], [], ['wasm/native-fma-openblas/SkylakeX', 'wasm/native-fma-openblas/Zen']],
      ['at', [1, 2], [3], ['wasm/native-fma-openblas/SkylakeX']],
    ]);
  });

  it('prints a table with a Δ column after every later cell, and JSON per cell', () => {
    const lines = formatCellComparison(c).split('\n');
    expect(lines).toContain(`  at: ${at}  (at, seeds 1 2; unfinished: seed 3; wasm/native-fma-openblas/SkylakeX)`);
    expect(lines).toContain('  Δ at−student: paired over seeds 1 2');
    const cells = (title: string) =>
      lines
        .find((l) => l.startsWith(`  ${title} `))
        ?.trim()
        .split(/\s{2,}/);
    expect(cells('student test accuracy % (last)')).toEqual([
      'student test accuracy % (last)',
      '92.00 ± 2.00',
      '94.00 ± 2.65',
      '+2.00 ± 1.00',
      '89.50 ± 0.71',
      '−1.50 ± 0.71',
    ]);
    expect(cells('student best val epoch')).toEqual([
      'student best val epoch',
      '20.0 ± 10.0',
      '20.0 ± 10.0',
      '+0.0 ± 0.0',
      '15.0 ± 7.1',
      '+0.0 ± 0.0',
    ]);
    const json = cellComparisonJson(c);
    expect(json.configKeys).toEqual(['methods[0].id']);
    expect(json.cells.map((x) => x.config)).toEqual([{}, { 'methods[0].id': 'kd' }, { 'methods[0].id': 'at' }]);
    expect(json.cells[2]!.metrics['student.test.last.accuracy']).toMatchObject({
      n: 2,
      paired: { n: 2, seeds: [1, 2] },
    });
    expect(json.cells[0]!.metrics['student.test.last.accuracy']!.paired).toBeUndefined();
  });

  it('formats a paired difference signed, marks fewer pairs than the cells share, and one seed without a spread', () => {
    expect(formatPaired('fraction', { n: 3, mean: -0.0042, std: 0.001, seeds: [1, 2, 3] }, 3)).toBe('−0.42 ± 0.10');
    expect(formatPaired('fraction', { n: 2, mean: 0.01, std: 0, seeds: [1, 2] }, 3)).toBe('+1.00 ± 0.00 (n=2)');
    expect(formatPaired('score', { n: 1, mean: 0.5, std: NaN, seeds: [1] }, 1)).toBe('+0.5000');
    expect(formatPaired('fraction', undefined, 3)).toBe('—');
  });
});
