import { ensureDir, withStorageErrors } from '@kd/core';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { renderSvg } from './render-svg.js';
import { sweepCharts } from './sweep-charts.js';
import { readSweep } from './sweep-record.js';
import { writeTextAtomic } from './write-text.js';

/** A chart written as an SVG file: its title and its path relative to the sweep folder (for results.md). */
export interface SweepChartFile {
  readonly title: string;
  readonly file: string;
}

/**
 * Writes the sweep's charts as SVG files (`<sweep>/plots/*.svg` unless `outDir` says otherwise) and
 * returns them in report order, each with its path relative to the sweep folder, for results.md to
 * link. The folder is the charts': SVG files of an earlier write that the sweep no longer has (a cell
 * renamed) are removed, nothing else.
 */
export async function writeSweepCharts(sweepDir: string, outDir = join(sweepDir, 'plots')): Promise<SweepChartFile[]> {
  const charts = sweepCharts(readSweep(sweepDir));
  const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));
  ensureDir(outDir);
  const names = new Set(charts.map((c) => `${c.id}.svg`));
  for (const old of withStorageErrors(outDir, () => readdirSync(outDir)))
    if (old.endsWith('.svg') && !names.has(old)) withStorageErrors(outDir, () => rmSync(join(outDir, old)));
  return charts.map((c, i) => {
    const path = join(outDir, `${c.id}.svg`);
    writeTextAtomic(path, svgs[i]!);
    return { title: c.title, file: relative(sweepDir, path).split(sep).join('/') };
  });
}
