import { UserError } from '@kd/core';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markCount, tempDir, writeRun, writeSweep } from '../test/fixtures.js';
import { reportKind, writeReport } from './report-html.js';
import { writeSweepCharts } from './sweep-chart-files.js';

describe('report files', () => {
  it('a folder that is neither a run nor a sweep is a one-line UserError, and nothing is written', async () => {
    const dir = tempDir('neither');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    await expect(writeReport(dir)).rejects.toThrow(UserError);
    await expect(writeReport(dir)).rejects.toThrow(
      `${dir} is neither a run folder (config.json) nor a sweep folder (sweep.json)`,
    );
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(() => reportKind(join(dir, 'missing'))).toThrow(`${join(dir, 'missing')}: no such folder`);
  });

  it('a run page is one self-contained file: inline CSS and SVG, no script, no URL', async () => {
    const dir = writeRun(tempDir('page'));
    const { path, kind } = await writeReport(dir);
    expect(kind).toBe('run');
    expect(path).toBe(join(dir, 'report.html'));
    const page = readFileSync(path, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toMatch(/<style>/);
    expect(page.match(/<svg /g)!.length).toBeGreaterThanOrEqual(4);
    expect(page).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import|https?:|xmlns/i);
    expect(page).toContain('<td>train.optimizer.lr</td><td>0.1</td>'); // the config, path by path
    expect(page).toContain('<td>machine.cpuModel</td><td>Test CPU</td>'); // the environment
    expect(page).toMatch(/<td>accuracy <span class="note">\(primary\)<\/span><\/td><td>90\.00%<\/td>/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('writeSweepCharts writes one SVG per chart into <sweep>/plots and returns their paths relative to the sweep', async () => {
    const dir = writeSweep(
      tempDir('plots'),
      [
        {
          name: 'a',
          runs: [
            { seed: 1, test: 0.9 },
            { seed: 2, test: 0.8 },
          ],
        },
        {
          name: 'b',
          runs: [
            { seed: 1, test: 0.7 },
            { seed: 2, test: 0.75 },
          ],
        },
      ],
      [1, 2],
    );
    mkdirSync(join(dir, 'plots'));
    writeFileSync(join(dir, 'plots', 'cell-09-gone-distill.svg'), '<svg/>'); // a chart of an earlier cell
    writeFileSync(join(dir, 'plots', 'README.txt'), 'kept');
    const files = await writeSweepCharts(dir);
    expect(files.map((f) => f.file)).toEqual([
      'plots/bar-student_test_last.svg',
      'plots/bar-student_test_best.svg',
      'plots/bar-student_val_best.svg',
      'plots/bar-student_test_loss_last.svg',
      'plots/val-accuracy.svg',
      'plots/cell-01-a-distill.svg',
      'plots/cell-02-b-distill.svg',
    ]);
    expect(files[0]!.title).toBe('student test accuracy (last)');
    expect(readdirSync(join(dir, 'plots')).sort()).toEqual(
      [...files.map((f) => f.file.slice('plots/'.length)), 'README.txt'].sort(),
    );
    const bars = readFileSync(join(dir, files[0]!.file), 'utf8');
    expect(bars).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/); // a standalone SVG file keeps its namespace
    expect(markCount(bars, 'rect')).toBe(2);
    expect(markCount(bars, 'symbol')).toBe(4);

    const elsewhere = join(tempDir('docs'), 'plots', 'fixture');
    const docs = await writeSweepCharts(dir, elsewhere);
    expect(docs).toHaveLength(files.length);
    expect(existsSync(join(elsewhere, 'val-accuracy.svg'))).toBe(true);
  });
});
