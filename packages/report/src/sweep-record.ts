import { UserError } from '@kd/core';
import { aggregateCell, RunFolder, type CellResult, type RunSummary } from '@kd/runner';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun, type RunRecord } from './run-record.js';

/** One run of a sweep on disk: finished (its record), or why it is not in the table. */
export interface SweepRunEntry {
  readonly cell: string;
  readonly seed: number;
  readonly dir: string;
  /** The run's folder, read; absent when it does not exist yet or could not be read. */
  readonly record?: RunRecord;
  /** Why the run is not in the table (not started, not finished, unreadable); absent for a finished run. */
  readonly problem?: string;
}

/** What a sweep folder holds for a report: sweep.json's facts and every run, read once. */
export interface SweepRecord {
  readonly dir: string;
  readonly name: string;
  readonly command?: string;
  readonly config?: string;
  readonly seeds: readonly number[];
  readonly cells: readonly string[];
  readonly runs: readonly SweepRunEntry[];
  /** The results table's rows, aggregated exactly as `kd sweep` does for results.md (finished runs only). */
  readonly rows: readonly CellResult[];
}

interface SweepFile {
  readonly name?: string;
  readonly command?: string;
  readonly config?: string;
  readonly base?: string;
  readonly seeds?: readonly number[];
  readonly cells?: readonly { readonly name: string }[];
}

/** A sweep folder is a folder with the sweep.json `kd sweep` writes before its first run. */
export function isSweepFolder(dir: string): boolean {
  return existsSync(join(dir, 'sweep.json'));
}

function readSweepFile(dir: string): SweepFile {
  const path = join(dir, 'sweep.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code ? `cannot read ${path} (${code})` : `${path} is not valid JSON`);
  }
  const file = raw as SweepFile;
  const cellsOk = Array.isArray(file?.cells) && file.cells.every((c) => typeof c?.name === 'string');
  const seedsOk = Array.isArray(file?.seeds) && file.seeds.every((s) => Number.isInteger(s));
  if (!cellsOk || !seedsOk) throw new UserError(`${path} is not a kd sweep file (needs cells[].name and seeds)`);
  return file;
}

/** A finished run's record, or why it is not one (the reason shown on the page, escaped like any text). */
function readSweepRun(cell: string, seed: number, dir: string): SweepRunEntry {
  const base = { cell, seed, dir };
  if (!new RunFolder(dir).exists()) return { ...base, problem: 'not run yet' };
  try {
    const record = readRun(dir);
    if (!record.summary?.completed) return { ...base, record, problem: 'not finished' };
    return { ...base, record };
  } catch (e) {
    return { ...base, problem: (e as Error).message };
  }
}

/** Reads a sweep folder: `<dir>/<cell>/seed-<k>` for the cells and seeds sweep.json names. */
export function readSweep(dir: string): SweepRecord {
  if (!isSweepFolder(dir)) throw new UserError(`${dir} is not a sweep folder (no sweep.json)`);
  const file = readSweepFile(dir);
  const cells = file.cells!.map((c) => c.name);
  const seeds = file.seeds!;
  const runs = cells.flatMap((cell) => seeds.map((seed) => readSweepRun(cell, seed, join(dir, cell, `seed-${seed}`))));
  const finished = (cell: string): RunSummary[] =>
    runs.filter((r) => r.cell === cell && !r.problem && r.record?.summary).map((r) => r.record!.summary!);
  const config =
    file.config && file.base && file.config !== file.base ? `${file.config} (base ${file.base})` : file.config;
  return {
    dir,
    name: file.name ?? dir,
    ...(file.command ? { command: file.command } : {}),
    ...(config ? { config } : {}),
    seeds,
    cells,
    runs,
    rows: cells.map((cell) => aggregateCell(cell, finished(cell))),
  };
}

/** The finished runs of a cell, in seed order. */
export function finishedRuns(sweep: SweepRecord, cell: string): RunRecord[] {
  return sweep.runs.filter((r) => r.cell === cell && !r.problem && r.record).map((r) => r.record!);
}
