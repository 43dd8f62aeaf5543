import { UserError } from '@kd/core';
import { meanStd, type Stat } from '@kd/runner';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { configDifferences, type ConfigDifference } from './config-differences.js';
import { metricRows, type RowUnit } from './compare-runs.js';
import { readFinishedRun, type FinishedRun } from './finished-run.js';

/** A sweep cell's run folders are `seed-<n>`. */
const SEED_FOLDER = /^seed-(\d+)$/;

/** A sweep cell as its folder holds it: its finished runs (by seed) and the seeds that have not finished. */
export interface FinishedCell {
  /** The folder as the user named it. */
  readonly dir: string;
  /** Finished runs, in seed order. */
  readonly runs: readonly FinishedRun[];
  /** Seeds whose run folder exists but has not finished (still running, or stopped). */
  readonly unfinished: readonly number[];
}

/** The `seed-<n>` run folders in a folder (each with its config.json), in seed order. */
function seedFolders(dir: string): { seed: number; dir: string }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const m = e.isDirectory() ? SEED_FOLDER.exec(e.name) : null;
      return m && existsSync(join(dir, e.name, 'config.json')) ? [{ seed: Number(m[1]), dir: join(dir, e.name) }] : [];
    })
    .sort((a, b) => a.seed - b.seed);
}

/** Is `dir` a sweep cell folder (no config.json of its own; `seed-<n>` run folders inside)? */
export function isCellFolder(dir: string): boolean {
  return !existsSync(join(dir, 'config.json')) && seedFolders(dir).length > 0;
}

/**
 * Reads a sweep cell folder: its finished runs, and which seeds have not finished (a cell still running
 * can be compared on the seeds it has). A folder that is not a cell, or has no finished run, is a
 * one-line UserError.
 */
export function readFinishedCell(dir: string): FinishedCell {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir}: no such cell folder`);
  const seeds = seedFolders(dir);
  if (existsSync(join(dir, 'config.json')) || seeds.length === 0)
    throw new UserError(`${dir} is not a sweep cell folder (seed-<n> run folders inside)`);
  const runs: FinishedRun[] = [];
  const unfinished: number[] = [];
  for (const s of seeds) {
    let run: FinishedRun | undefined;
    try {
      run = readFinishedRun(s.dir);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
    }
    if (run) runs.push({ ...run, dir: join(dir, `seed-${s.seed}`) });
    else unfinished.push(s.seed);
  }
  if (runs.length === 0) throw new UserError(`${dir}: no finished run yet (seeds ${unfinished.join(', ')} unfinished)`);
  return { dir, runs, unfinished };
}

/** Per-seed differences of a cell to the first cell, over the seeds both have a value for. */
export interface PairedStat extends Stat {
  readonly seeds: readonly number[];
}

/** One metric over the cells: each cell's mean ± std over its seeds, and each later cell's paired difference to the first. */
export interface CellMetricRow {
  readonly key: string;
  readonly title: string;
  readonly unit: RowUnit;
  readonly stats: readonly Stat[];
  /** `paired[j]`: cell j minus the first cell, seed by seed (`undefined` for the first cell). */
  readonly paired: readonly (PairedStat | undefined)[];
}

/** What a comparison names each cell by. */
export interface ComparedCell {
  readonly dir: string;
  readonly name: string;
  readonly seeds: readonly number[];
  readonly unfinished: readonly number[];
  /** The numerics of its runs (one, unless its seeds ran on different machines or builds). */
  readonly numerics: readonly string[];
}

/** Sweep cells side by side: where their configs differ (seeds aside), and their metrics over their seeds. */
export interface CellComparison {
  readonly cells: readonly ComparedCell[];
  readonly config: readonly ConfigDifference[];
  readonly metrics: readonly CellMetricRow[];
}

/**
 * Compares sweep cells (e.g. a method's cell and the student-alone cell of another sweep): each
 * metric's mean ± std over a cell's seeds, and each cell's difference to the first cell paired by
 * seed (mean ± std of the per-seed differences — the seeds set init, data order and augmentation,
 * so pairing removes what the cells share). Configs are compared on each cell's first run, seed aside.
 */
export function compareCells(cells: readonly FinishedCell[]): CellComparison {
  const runs = cells.flatMap((c) => c.runs);
  const starts = cells.map((_, i) => cells.slice(0, i).reduce((n, c) => n + c.runs.length, 0));
  const seedsOf = (c: FinishedCell) => c.runs.map((r) => r.summary.seed);
  const metrics = metricRows(runs.map((r) => r.summary)).map((row) => {
    const byCell = cells.map((c, i) => {
      const values = row.values.slice(starts[i], starts[i]! + c.runs.length);
      return new Map(seedsOf(c).flatMap((seed, k) => (values[k] === undefined ? [] : [[seed, values[k]!] as const])));
    });
    const first = byCell[0]!;
    return {
      key: row.key,
      title: row.title,
      unit: row.unit,
      stats: byCell.map((m) => meanStd([...m.values()])),
      paired: byCell.map((m, j) => {
        if (j === 0) return undefined;
        const seeds = [...m.keys()].filter((s) => first.has(s)).sort((a, b) => a - b);
        return { ...meanStd(seeds.map((s) => m.get(s)! - first.get(s)!)), seeds };
      }),
    };
  });
  return {
    cells: cells.map((c) => ({
      dir: c.dir,
      name: c.runs[0]!.summary.name,
      seeds: seedsOf(c),
      unfinished: c.unfinished,
      numerics: [...new Set(c.runs.map((r) => r.summary.numerics))],
    })),
    config: configDifferences(cells.map((c) => c.runs[0]!.config)).filter((d) => d.key !== 'seed'),
    metrics,
  };
}
