import { UserError } from '@kd/core';
import { basename, dirname, join, resolve } from 'node:path';
import { parseRunConfig, withBaseDir } from '../config/load-config.js';
import type { RunConfig } from '../config/schema.js';
import { applySet } from '../config/set-override.js';
import { cellName } from './cell-name.js';
import { checkAxes, expandGrid, type GridAxis, type GridPoint } from './grid.js';
import { deepMerge, readMappingFile, type RawConfig } from './raw-config.js';
import { isSweepFile, parseSweepFile } from './sweep-file.js';
import { checkVariants, type Variant } from './variants.js';

/** What `kd sweep` was asked for (command-line values; a sweep file may supply defaults). */
export interface SweepRequest {
  /** A run config (the base), or a sweep file (top-level `sweep:`). */
  readonly configPath: string;
  readonly grid?: readonly GridAxis[];
  readonly variants?: readonly Variant[];
  /** `--set` overrides applied to the base before variants and grid. */
  readonly sets?: readonly string[];
  readonly seeds?: number;
  readonly seedStart?: number;
  /** Parent folder of the sweep folder (default `sweeps`). */
  readonly out?: string;
  /** Sweep folder name (default: the file name without extension). */
  readonly name?: string;
  /** Backend for every run (overrides the config's `backend`). */
  readonly backend?: RunConfig['backend'];
}

/** One cell: a variant (or none) and one grid point, with its validated config (seed not yet set). */
export interface SweepCell {
  readonly name: string;
  readonly variant?: string;
  readonly point: GridPoint;
  readonly config: RunConfig;
}

/** One run of the sweep: a cell at one seed, in its own run folder. */
export interface SweepRun {
  readonly cell: string;
  readonly seed: number;
  readonly runDir: string;
  readonly config: RunConfig;
}

export interface SweepPlan {
  readonly name: string;
  /** `<out>/<name>`: holds one folder per cell, results.md and results.csv. */
  readonly dir: string;
  /** The file given on the command line, and the base run config (the same file unless a sweep file). */
  readonly configPath: string;
  readonly basePath: string;
  readonly seeds: readonly number[];
  readonly axes: readonly GridAxis[];
  readonly variants: readonly Variant[];
  readonly cells: readonly SweepCell[];
  /** Cells × seeds, cell-major (all seeds of the first cell first). */
  readonly runs: readonly SweepRun[];
}

export const DEFAULT_SWEEP_OUT = 'sweeps';

function setValue(raw: RawConfig, key: string, value: unknown): RawConfig {
  // JSON is YAML, so `applySet` reads the value back unchanged and paths behave exactly as in --set.
  return applySet(raw, `${key}=${JSON.stringify(value)}`);
}

/**
 * Expands a sweep into validated cells and runs, touching no files but the inputs. Every cell config
 * goes through the run config schema, so a bad key or value fails here, naming the cell, before
 * anything runs. Order: base file → `--set` → variant → grid point → seed.
 */
export function planSweep(request: SweepRequest): SweepPlan {
  const file = readMappingFile(request.configPath);
  const sweepFile = isSweepFile(file) ? parseSweepFile(request.configPath, file) : undefined;
  const basePath = sweepFile?.basePath ?? request.configPath;
  // relative paths in the base config mean: next to the base config file
  let base = withBaseDir(sweepFile ? readMappingFile(basePath, 'base config file') : file, dirname(resolve(basePath)));
  for (const s of [...(sweepFile?.sets ?? []), ...(request.sets ?? [])]) base = applySet(base, s);
  if (request.backend) base = { ...base, backend: request.backend };

  const axes = [...(sweepFile?.grid ?? []), ...(request.grid ?? [])];
  checkAxes(axes);
  const variants = [...(sweepFile?.variants ?? []), ...(request.variants ?? [])];
  checkVariants(variants);

  const seedCount = request.seeds ?? sweepFile?.seeds ?? 1;
  const seedStart = request.seedStart ?? sweepFile?.seedStart ?? 1;
  if (!Number.isInteger(seedCount) || seedCount < 1)
    throw new UserError(`--seeds must be a positive integer, got ${seedCount}`);
  if (!Number.isInteger(seedStart) || seedStart < 0)
    throw new UserError(`--seed-start must be an integer ≥ 0, got ${seedStart}`);
  const seeds = Array.from({ length: seedCount }, (_, i) => seedStart + i);

  const name =
    request.name ?? sweepFile?.name ?? basename(request.configPath).replace(/\.(sweep\.)?(ya?ml|json)$/i, '');
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.'))
    throw new UserError(`sweep name '${name}': use letters, digits, . _ - only`);
  const dir = join(request.out ?? sweepFile?.out ?? DEFAULT_SWEEP_OUT, name);

  const cells: SweepCell[] = [];
  for (const variant of variants.length ? variants : [undefined]) {
    for (const point of expandGrid(axes)) {
      const cell = cellName(variant?.name, point);
      let raw = variant ? deepMerge(base, variant.override) : base;
      try {
        for (const { key, value } of point) raw = setValue(raw, key, value);
        cells.push({ name: cell, variant: variant?.name, point, config: parseRunConfig(raw) });
      } catch (e) {
        if (e instanceof UserError) throw new UserError(`sweep cell '${cell}': ${e.message}`);
        throw e;
      }
    }
  }
  const dup = cells.map((c) => c.name).find((n, i, all) => all.indexOf(n) !== i);
  if (dup) throw new UserError(`two sweep cells are both named '${dup}'`);

  const runs = cells.flatMap((cell) =>
    seeds.map((seed) => ({
      cell: cell.name,
      seed,
      runDir: join(dir, cell.name, `seed-${seed}`),
      config: { ...cell.config, seed, name: `${name}.${cell.name}`.replace(/[^A-Za-z0-9._-]/g, '_') },
    })),
  );
  return { name, dir, configPath: request.configPath, basePath, seeds, axes, variants, cells, runs };
}
