import { UserError } from '@kd/core';
import {
  parseRunConfig,
  RunFolder,
  upgradeSummary,
  type GridAxis,
  type GridPoint,
  type RunConfig,
  type RunSummary,
  type SweepPlan,
  type Variant,
} from '@kd/runner';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readQueueRecord, type QueueRecord } from './queue-record.js';

/** What sweep.json holds (written by `kd sweep` before its first run). */
interface SweepJson {
  readonly name: string;
  readonly command?: string;
  readonly config: string;
  readonly base: string;
  readonly seeds: readonly number[];
  readonly variants?: readonly Variant[];
  readonly grid?: readonly GridAxis[];
  readonly cells: readonly { readonly name: string; readonly variant?: string; readonly point?: GridPoint }[];
}

/** A sweep folder read back: its plan (run folders under this folder), its command, and its queue record if any. */
export interface SweepFolder {
  readonly plan: SweepPlan;
  readonly command?: string;
  readonly record?: QueueRecord;
}

function readSweepJson(dir: string): SweepJson {
  const path = join(dir, 'sweep.json');
  if (!existsSync(path)) throw new UserError(`${dir} is not a sweep folder (no sweep.json)`);
  let raw: SweepJson;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as SweepJson;
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const ok =
    typeof raw?.name === 'string' &&
    Array.isArray(raw.seeds) &&
    raw.seeds.every((s) => Number.isInteger(s)) &&
    Array.isArray(raw.cells) &&
    raw.cells.every((c) => typeof c?.name === 'string');
  if (!ok) throw new UserError(`${path} is not a kd sweep record (needs name, seeds and cells[].name)`);
  return raw;
}

/** The stored config of a run, when its folder has one (a sweep run without a queue record). */
function folderConfig(runDir: string): RunConfig | undefined {
  const folder = new RunFolder(runDir);
  if (!existsSync(folder.configPath)) return undefined;
  try {
    return parseRunConfig(folder.readJson('config.json'));
  } catch {
    return undefined;
  }
}

/**
 * Reads a sweep folder back into the plan `kd sweep` made: cells from sweep.json, runs (with their
 * configs and jobs) from queue.json, or cells × seeds when the sweep ran without a queue. Run
 * folders are taken under `dir`, wherever the folder has moved.
 */
export function readSweepFolder(dir: string): SweepFolder {
  const sweep = readSweepJson(dir);
  const record = readQueueRecord(dir);
  const runDir = (cell: string, seed: number) => join(dir, cell, `seed-${seed}`);
  const runs = record
    ? record.runs.map((r) => ({
        cell: r.cell,
        seed: r.seed,
        runDir: runDir(r.cell, r.seed),
        config: r.config as unknown as RunConfig,
      }))
    : sweep.cells.flatMap((c) =>
        sweep.seeds.map((seed) => ({
          cell: c.name,
          seed,
          runDir: runDir(c.name, seed),
          config: folderConfig(runDir(c.name, seed)) ?? parseRunConfig({ seed }),
        })),
      );
  const cells = sweep.cells.map((c) => ({
    name: c.name,
    variant: c.variant,
    point: c.point ?? [],
    config: runs.find((r) => r.cell === c.name)?.config ?? parseRunConfig({}),
  }));
  const plan: SweepPlan = {
    name: sweep.name,
    dir,
    configPath: sweep.config ?? '?',
    basePath: sweep.base ?? sweep.config ?? '?',
    seeds: sweep.seeds,
    axes: sweep.grid ?? [],
    variants: sweep.variants ?? [],
    cells,
    runs,
  };
  return { plan, command: sweep.command, record };
}

/** A run's summary when its folder holds a finished run. */
export function finishedOnDisk(runDir: string): RunSummary | undefined {
  const folder = new RunFolder(runDir);
  if (!existsSync(folder.summaryPath)) return undefined;
  try {
    const summary = folder.readJson<RunSummary>('summary.json');
    return summary.completed ? upgradeSummary(summary) : undefined;
  } catch {
    return undefined;
  }
}
