import { aggregateCell, markdownTable, upgradeSummary } from '@kd/runner';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { legendLabels, markCount, tempDir, writeSweep } from '../test/fixtures.js';
import { renderSvg } from './render-svg.js';
import { sweepCharts } from './sweep-charts.js';
import { sweepPage } from './sweep-page.js';
import { readSweep } from './sweep-record.js';

/** 3 cells × seeds 1, 2; the fitnet cell's seed 2 has not run. */
function fixtureSweep(): string {
  return writeSweep(
    tempDir('sweep'),
    [
      {
        name: 'student',
        runs: [
          { seed: 1, test: 0.9, testLoss: 0.4, val: [0.7, 0.8] },
          { seed: 2, test: 0.92, testLoss: 0.3, val: [0.72, 0.84] },
        ],
      },
      {
        name: 'kd',
        runs: [
          { seed: 1, test: 0.94, teacher: 0.98, val: [0.8, 0.9] },
          { seed: 2, test: 0.96, teacher: 0.98, val: [0.82, 0.92] },
        ],
      },
      { name: 'fitnet', runs: [{ seed: 1, test: 0.85, teacher: 0.98, hintStage: true, val: [0.6, 0.8] }] },
    ],
    [1, 2],
  );
}

/** The cells of the table with class `cls` of a page, row by row (markup stripped, entities as typed). */
function tableCells(page: string, cls: string): string[][] {
  const table = page.match(new RegExp(`<table class="${cls}">(.*?)</table>`, 's'))![1]!;
  return [...table.matchAll(/<tr>(.*?)<\/tr>/gs)].map((r) =>
    [...r[1]!.matchAll(/<t[hd]>(.*?)<\/t[hd]>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&')),
  );
}

describe('sweep report', () => {
  const dir = fixtureSweep();
  const sweep = readSweep(dir);
  const charts = sweepCharts(sweep);

  it('aggregates finished runs as kd sweep does and says which runs are missing', () => {
    expect(sweep.cells).toEqual(['student', 'kd', 'fitnet']);
    expect(sweep.rows.map((r) => r.seeds)).toEqual([[1, 2], [1, 2], [1]]);
    expect(sweep.runs.filter((r) => r.problem).map((r) => [r.cell, r.seed, r.problem])).toEqual([
      ['fitnet', 2, 'not run yet'],
    ]);
  });

  it('a bar chart per metric of the table (the teacher left out), val curves of every cell, loss curves per cell and stage', () => {
    expect(charts.map((c) => c.id)).toEqual([
      'bar-student_test_last',
      'bar-student_test_best',
      'bar-student_val_best',
      'bar-student_test_loss_last',
      'val-accuracy',
      'cell-01-student-distill',
      'cell-02-kd-distill',
      'cell-03-fitnet-fitnet.hint',
      'cell-03-fitnet-distill',
    ]);
  });

  it('bars at the mean, error bars where a cell has two seeds, a dot per seed', async () => {
    const svg = await renderSvg(charts[0]!.spec);
    expect(markCount(svg, 'rect')).toBe(3);
    expect(markCount(svg, 'rule')).toBe(2); // fitnet has one seed: no error bar
    expect(markCount(svg, 'symbol')).toBe(5);
    // the kd bar (95 %) is taller than the student's (91 %), which is taller than fitnet's (85 %)
    const heights = [...svg.matchAll(/aria-roledescription="bar"[^>]*d="M[\d.-]+,([\d.-]+)h[\d.-]+v([\d.-]+)/g)].map(
      (m) => Number(m[2]),
    );
    expect(heights).toHaveLength(3);
    expect(heights[1]!).toBeGreaterThan(heights[0]!);
    expect(heights[0]!).toBeGreaterThan(heights[2]!);
  });

  it('val curves: one line per cell, a band for cells with two seeds', async () => {
    const svg = await renderSvg(charts.find((c) => c.id === 'val-accuracy')!.spec);
    expect(markCount(svg, 'line')).toBe(3);
    expect(markCount(svg, 'area')).toBe(2);
    expect(markCount(svg, 'symbol')).toBe(6);
    expect(legendLabels(svg)).toEqual(['student', 'kd', 'fitnet']);
  });

  it('the page shows the table of results.md, value for value', async () => {
    const page = await sweepPage(sweep);
    const cells = tableCells(page, 'results');
    const summaries = (cell: string, seeds: number[]) =>
      seeds.map((s) => upgradeSummary(JSON.parse(readFileSync(join(dir, cell, `seed-${s}`, 'summary.json'), 'utf8'))));
    const markdown = markdownTable([
      aggregateCell('student', summaries('student', [1, 2])),
      aggregateCell('kd', summaries('kd', [1, 2])),
      aggregateCell('fitnet', summaries('fitnet', [1])),
    ])
      .split('\n')
      .filter((_, i) => i !== 1)
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim().replace(/`/g, '')),
      );
    expect(cells).toEqual(markdown);
    expect(cells[1]!.slice(0, 3)).toEqual(['student', '2', '91.00 ± 1.41']);
    expect(cells[2]!.slice(0, 3)).toEqual(['kd', '2', '95.00 ± 1.41']);
    expect(cells[3]!.slice(0, 3)).toEqual(['fitnet', '1', '85.00']);
    expect(page).toContain('fitnet</code> seed 2: <span class="problem">not run yet</span>');
    expect(page.match(/<figure class="chart"/g)).toHaveLength(charts.length);
    expect(page).toContain('kd sweep fixture.yaml --seeds 2');
    expect(page).toContain('Test CPU × 2 cores, linux/x64, Node v20.20.2');
    expect(page).toContain('wasm/relaxed-simd');
  });
});
