import { UserError } from '@kd/core';
import {
  planSweep,
  resolveVariant,
  runSweep,
  type RunOutcome,
  type SweepRequest,
  type SweepResult,
  type SweepRun,
} from '@kd/runner';
import { childExecutor } from '../sweep/child-executor.js';
import { sweepCharts } from '../sweep/sweep-charts.js';
import { loadHost, pluginRequests } from '../plugins/index.js';
import { extraPlugins, interruptOn, type PluginOptions, type ProgressOptions } from './run.js';

export interface SweepOptions
  extends PluginOptions, ProgressOptions, Pick<SweepRequest, 'seeds' | 'seedStart' | 'out' | 'name' | 'backend'> {
  /** Grid axes, as `kd sweep --grid`: a config path and its values, e.g. `{ 'methods[0].hparams.T': [2, 4] }`. */
  readonly grid?: Readonly<Record<string, readonly unknown[]>>;
  /** Variants, as a sweep file's `variants:`: an override mapping, a YAML/JSON file (relative to the working directory), or null for the base. */
  readonly variants?: Readonly<Record<string, Record<string, unknown> | string | null>>;
  /** `path=value` overrides of the base config. */
  readonly set?: readonly string[];
  /**
   * Runs at once. 1 (the default) runs them one after another in this process, with `onEvent` for
   * every step; more runs each in its own `kd run` process (its output in the run folder's log.txt).
   */
  readonly jobs?: number;
  /** A run starts (`finished`: skipped, it had finished before). */
  readonly onRunStart?: (run: SweepRun, status: 'new' | 'interrupted' | 'finished') => void;
  /** A run ends: finished (with its summary), failed (with the reason), interrupted or busy. */
  readonly onRunEnd?: (run: SweepRun, outcome: RunOutcome) => void;
}

/**
 * Runs a sweep, as `kd sweep` does: `file` is a run config (with `grid`/`variants` here) or a sweep
 * file (top-level `sweep:`). Every cell × seed runs in `<out>/<name>/<cell>/seed-<k>`; finished runs
 * are skipped, interrupted ones resumed. Resolves to the table (mean ± std per cell), also written to
 * results.md and results.csv with charts beside them; failed runs are in `failures`, not thrown.
 */
export async function sweep(file: string, options: SweepOptions = {}): Promise<SweepResult> {
  const cwd = process.cwd();
  const plan = planSweep({
    configPath: file,
    grid: Object.entries(options.grid ?? {}).map(([key, values]) => ({ key, values })),
    variants: Object.entries(options.variants ?? {}).map(([name, spec]) => resolveVariant(name, spec, cwd)),
    sets: options.set ?? [],
    seeds: options.seeds,
    seedStart: options.seedStart,
    out: options.out,
    name: options.name,
    backend: options.backend,
  });
  const { host } = await loadHost([...pluginRequests(...plan.cells.map((c) => c.config)), ...extraPlugins(options)]);
  const jobs = options.jobs ?? 1;
  if (jobs > 1 && options.plugins?.length)
    throw new UserError(
      "plugins: with jobs > 1 each run is its own kd process, which loads the installed plugins and the config's plugins: — name them there",
    );
  const log = options.onLog ?? (() => {});
  return runSweep(host, plan, {
    jobs,
    executor: jobs > 1 ? childExecutor({ origin: 'kd API sweep', jobs }) : undefined,
    events: options.onEvent,
    log,
    signal: interruptOn(options.signal),
    onRun: (run, _index, _total, status) => options.onRunStart?.(run, status),
    onRunEnd: (run, _index, outcome) => options.onRunEnd?.(run, outcome),
    charts: (p) => sweepCharts(p.dir, log),
  });
}
