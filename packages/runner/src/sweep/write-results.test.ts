import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/load-config.js';
import type { RunSummary } from '../folder/run-summary.js';
import type { RunOutcome } from './executor.js';
import type { SweepPlan, SweepRun } from './plan.js';
import { writeSweepResults } from './run-sweep.js';

const dir = mkdtempSync(join(tmpdir(), 'kd-sweep-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = parseRunConfig({ student: { arch: 'cnn' }, methods: [] });
const accuracy = { name: 'accuracy', unit: 'fraction' as const, higherIsBetter: true, description: 'top-1' };

function summary(seed: number, acc: number): RunSummary {
  return {
    name: 'x',
    runDir: '',
    seed,
    backend: 'wasm',
    backendSummary: '',
    numerics: 'wasm/test',
    task: { id: 'classification', primary: 'accuracy', metrics: [accuracy] },
    methods: [],
    weights: {},
    teachers: [],
    student: {
      arch: 'cnn',
      params: 1,
      test: { last: { accuracy: acc }, best: { accuracy: acc } },
      val: { best: { accuracy: acc }, bestEpoch: 1, last: { accuracy: acc } },
    },
    stages: [],
    seconds: 10,
    completed: true,
  };
}

describe('writeSweepResults', () => {
  const cells = ['a', 'b'].map((name) => ({ name, point: [], config }));
  const runs: SweepRun[] = cells.flatMap((c) =>
    [1, 2, 3].map((seed) => ({ cell: c.name, seed, runDir: join(dir, 'demo', c.name, `seed-${seed}`), config })),
  );
  const plan: SweepPlan = {
    name: 'demo',
    dir: join(dir, 'demo'),
    configPath: 'demo.yaml',
    basePath: 'demo.yaml',
    seeds: [1, 2, 3],
    axes: [],
    variants: [],
    cells,
    runs,
  };

  it('tabulates the completed runs and lists failed ones with their reasons; the others still count', async () => {
    const outcomes = new Map<SweepRun, RunOutcome>([
      [runs[0]!, { kind: 'finished', summary: summary(1, 0.9) }],
      [runs[1]!, { kind: 'finished', summary: summary(2, 0.8) }],
      [runs[2]!, { kind: 'failed', error: 'stage distill: the loss became NaN at epoch 1' }],
      [runs[3]!, { kind: 'finished', summary: summary(1, 0.5) }],
      [runs[4]!, { kind: 'finished', summary: summary(2, 0.7) }],
      [runs[5]!, { kind: 'incomplete' }],
    ]);
    const r = await writeSweepResults(plan, outcomes, { command: 'kd sweep demo.yaml' });
    expect(r.failures).toEqual([
      { cell: 'a', seed: 3, runDir: runs[2]!.runDir, error: 'stage distill: the loss became NaN at epoch 1' },
    ]);
    expect(r.rows.map((row) => [row.cell, row.seeds, row.failed ?? 0])).toEqual([
      ['a', [1, 2], 1],
      ['b', [1, 2], 0],
    ]);
    expect(r.rows[0]!.studentTestLast.mean).toBeCloseTo(0.85, 12);
    const md = readFileSync(r.resultsPath, 'utf8');
    expect(md).toMatch(/\| `a` +\| +2 \| +85\.00 ± 7\.07 \|.*\| +1 \|$/m); // the failed column, last
    expect(md).toContain('## Failed runs (1)');
    expect(md).toContain(`- \`a\` seed 3 (\`${runs[2]!.runDir}\`): stage distill: the loss became NaN at epoch 1`);
    const csv = readFileSync(r.csvPath, 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/,failed$/);
    expect(csv[1]).toMatch(/^a,2,accuracy,0\.85,.*,1$/);
    expect(csv[2]).toMatch(/^b,2,accuracy,0\.6,.*,0$/);
  });

  it('without failures: no failed column, no failed section; charts are linked under Plots', async () => {
    const outcomes = new Map<SweepRun, RunOutcome>(
      runs.map((run, i) => [run, { kind: 'finished', summary: summary(run.seed, 0.5 + i / 100) }]),
    );
    const r = await writeSweepResults(plan, outcomes, {
      charts: async (p, rows) => [{ title: `${p.name}: ${rows.length} cells`, file: 'plots/accuracy.svg' }],
    });
    const md = readFileSync(r.resultsPath, 'utf8');
    expect(md).not.toContain('Failed runs');
    expect(md).not.toMatch(/\| failed \|/);
    expect(md).toContain('## Plots\n\n![demo: 2 cells](plots/accuracy.svg)\n');
    expect(readFileSync(r.csvPath, 'utf8').split('\n')[0]).not.toContain('failed');
  });
});
