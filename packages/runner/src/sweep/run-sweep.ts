import { ensureDir, InterruptedError, UserError, type DependencyContainer } from '@kd/core';
import { numericsOf, selectBackend } from '@kd/tfjs-runtime';
import type { EventSink } from '@kd/trainer';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildRun, disposeRun } from '../assemble/build-run.js';
import { parseRunConfig } from '../config/load-config.js';
import { sameRun } from '../config/same-run.js';
import type { RunConfig } from '../config/schema.js';
import { writeFileAtomic } from '../folder/atomic-write.js';
import { lockOwner } from '../folder/pid-lock.js';
import { RunFolder } from '../folder/run-folder.js';
import { upgradeSummary } from '../folder/run-summary.js';
import { RUN_LOCK, type RunSummary } from '../run.js';
import { aggregateCell, type CellResult } from './aggregate.js';
import type { RunExecutor, RunOutcome } from './executor.js';
import { inProcessExecutor } from './in-process-executor.js';
import { runPool } from './pool.js';
import type { SweepPlan, SweepRun } from './plan.js';
import { markdownTable, resultsCsv, resultsMarkdown, type ChartLink, type RunFailure } from './report.js';

/** Where a run of the sweep stands before the sweep runs it. */
export type RunStatus = 'finished' | 'interrupted' | 'new';

export interface SweepOptions {
  readonly events?: EventSink;
  readonly log?: (line: string) => void;
  /** Who carries out the runs (default: this process, one at a time). */
  readonly executor?: RunExecutor;
  /** How many runs at once (default 1; at most the executor's `maxConcurrency`). */
  readonly jobs?: number;
  /** Called when a run starts, or is skipped as finished earlier (index is 1-based, in plan order). */
  readonly onRun?: (run: SweepRun, index: number, total: number, status: RunStatus) => void;
  /** Called when a started run ends, with how it ended. */
  readonly onRunEnd?: (run: SweepRun, index: number, outcome: RunOutcome) => void;
  /** Called once every cell has validated, before the sweep folder is created. */
  readonly onStart?: (plan: SweepPlan, statuses: readonly RunStatus[]) => void;
  /** The command line, for the header of results.md. */
  readonly command?: string;
  /** Stop each started run's distill stage after this many epochs (interruption tests; in-process executor). */
  readonly stopAfterEpochs?: number;
  /** Aborted on Ctrl-C / SIGTERM: the runs in progress stop before their next step; the sweep stops. */
  readonly signal?: AbortSignal;
  /** How often to look again at a run another process is training (ms). */
  readonly pollMs?: number;
  /**
   * Charts to write beside results.md and link from it (e.g. `@kd/report`'s `writeSweepCharts`),
   * called once the runs are done and results.csv is written.
   */
  readonly charts?: (plan: SweepPlan, rows: readonly CellResult[]) => Promise<readonly ChartLink[]>;
}

export interface SweepResult {
  readonly plan: SweepPlan;
  readonly rows: readonly CellResult[];
  readonly summaries: readonly RunSummary[];
  /** Runs skipped because they had finished before. */
  readonly skipped: number;
  /** Runs that failed (each with its reason); the others went on. */
  readonly failures: readonly RunFailure[];
  /** The results table (also in results.md). */
  readonly table: string;
  readonly resultsPath: string;
  readonly csvPath: string;
}

/** A run's state on disk; throws if the folder holds a run of a different config. */
export function runStatus(run: SweepRun): RunStatus {
  const folder = new RunFolder(run.runDir);
  if (!folder.exists()) return 'new';
  let stored: RunConfig;
  try {
    stored = parseRunConfig(folder.readJson('config.json'));
  } catch {
    throw new UserError(`${folder.configPath} is not a valid run config; delete ${run.runDir} to rerun it`);
  }
  if (!sameRun(stored, run.config)) {
    throw new UserError(`${run.runDir} holds a run of a different config; delete it or choose another --name`);
  }
  if (!existsSync(folder.summaryPath)) return 'interrupted';
  const summary = folder.readJson<RunSummary>('summary.json');
  return summary.completed ? 'finished' : 'interrupted';
}

/**
 * Builds every cell that still has runs to do (validation only: no training, no folders), so a
 * config that builds badly (unknown method, missing tap, …) stops the sweep before it starts.
 * Exported for `kd sweep --queue --detach`, which validates exactly so and then only enqueues.
 */
export async function preflightSweep(
  host: DependencyContainer,
  plan: SweepPlan,
  todo: readonly SweepRun[],
): Promise<void> {
  const cells = new Set(todo.map((r) => r.cell));
  for (const cell of plan.cells.filter((c) => cells.has(c.name))) {
    let numerics;
    try {
      numerics = numericsOf(await selectBackend({ backend: cell.config.backend }));
    } catch (e) {
      throw new UserError(`backend '${cell.config.backend}': ${(e as Error).message}`);
    }
    try {
      disposeRun(await buildRun(host, cell.config, numerics));
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`sweep cell '${cell.name}': ${e.message}`);
      throw e;
    }
  }
}

const RESUME_HINT = 'finished runs are kept; run the same kd sweep command again to continue';

function interrupted(signal: AbortSignal | undefined): InterruptedError {
  const e = signal?.reason instanceof InterruptedError ? signal.reason : new InterruptedError();
  e.resumeHint = RESUME_HINT;
  return e;
}

/**
 * Runs a planned sweep: every cell × seed, each in `<sweep>/<cell>/seed-<k>`, `jobs` at a time
 * through the executor. Finished runs (summary.json, completed) are skipped, interrupted ones resumed
 * from their checkpoints; a run that fails is recorded with its reason and the others go on. Then
 * writes results.md and results.csv (mean ± sample std over seeds per cell) into the sweep folder.
 */
export async function runSweep(
  host: DependencyContainer,
  plan: SweepPlan,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const executor =
    options.executor ??
    inProcessExecutor(host, { events: options.events, log: options.log, stopAfterEpochs: options.stopAfterEpochs });
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError(`--jobs must be a positive integer, got ${jobs}`);
  if (jobs > executor.maxConcurrency)
    throw new UserError(`--jobs ${jobs}: this executor runs at most ${executor.maxConcurrency} run(s) at once`);
  const statuses = plan.runs.map(runStatus);
  await preflightSweep(
    host,
    plan,
    plan.runs.filter((_, i) => statuses[i] !== 'finished'),
  );
  options.onStart?.(plan, statuses);
  writeSweepRecord(plan, options.command);

  const outcomes = new Map<SweepRun, RunOutcome>();
  let skipped = 0;
  const todo: { run: SweepRun; index: number }[] = [];
  for (const [i, run] of plan.runs.entries()) {
    if (statuses[i] !== 'finished') {
      todo.push({ run, index: i + 1 });
      continue;
    }
    options.onRun?.(run, i + 1, plan.runs.length, 'finished');
    outcomes.set(run, {
      kind: 'finished',
      summary: upgradeSummary(new RunFolder(run.runDir).readJson('summary.json')),
    });
    skipped++;
  }
  const execute = async ({ run, index }: { run: SweepRun; index: number }): Promise<RunOutcome> => {
    options.onRun?.(run, index, plan.runs.length, statuses[index - 1]!);
    const outcome = await executor.execute(run, options.signal);
    options.onRunEnd?.(run, index, outcome);
    return outcome;
  };
  // Runs that another process (a second `kd sweep` on this folder) is training are left to it and
  // collected at the end, so two processes share the work instead of duplicating it.
  const elsewhere: { run: SweepRun; index: number }[] = [];
  const stopped = () => options.signal?.aborted === true;
  await runPool(todo, jobs, stopped, async (item) => {
    const outcome = await execute(item);
    if (outcome.kind === 'busy') {
      options.log?.(`${item.run.runDir}: another kd process is training it; going on with the next run`);
      elsewhere.push(item);
    } else outcomes.set(item.run, outcome);
  });
  if (stopped() || [...outcomes.values()].some((o) => o.kind === 'interrupted')) throw interrupted(options.signal);
  const pause = async () => {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
    if (stopped()) throw interrupted(options.signal);
  };
  for (const item of elsewhere) {
    // wait for the other process; if it stopped without finishing, resume the run here
    for (;;) {
      while (lockOwner(join(item.run.runDir, RUN_LOCK)) !== undefined) await pause();
      const outcome = await execute(item);
      if (outcome.kind === 'interrupted') throw interrupted(options.signal);
      if (outcome.kind !== 'busy') {
        outcomes.set(item.run, outcome);
        break;
      }
      await pause(); // it was taken again meanwhile
    }
  }
  return writeSweepResults(plan, outcomes, { command: options.command, charts: options.charts, skipped });
}

/** sweep.json: what the sweep is (its command, files, seeds, variants, grid and cells), for reports and collection. */
export function writeSweepRecord(plan: SweepPlan, command: string | undefined): void {
  ensureDir(plan.dir);
  writeFileAtomic(
    join(plan.dir, 'sweep.json'),
    JSON.stringify(
      {
        name: plan.name,
        command,
        config: plan.configPath,
        base: plan.basePath,
        seeds: plan.seeds,
        variants: plan.variants.map((v) => ({ name: v.name, source: v.source, override: v.override })),
        grid: plan.axes,
        cells: plan.cells.map((c) => ({ name: c.name, variant: c.variant, point: c.point })),
      },
      null,
      2,
    ) + '\n',
  );
}

/**
 * Tabulates the runs' outcomes into results.md and results.csv (and the charts, when asked): the
 * completed runs of each cell give its mean ± std; failed runs are listed with their reasons.
 */
export async function writeSweepResults(
  plan: SweepPlan,
  outcomes: ReadonlyMap<SweepRun, RunOutcome>,
  options: {
    readonly command?: string;
    readonly charts?: SweepOptions['charts'];
    readonly skipped?: number;
    readonly numerics?: readonly string[];
  } = {},
): Promise<SweepResult> {
  const summaries: RunSummary[] = [];
  const failures: RunFailure[] = [];
  const byCell = new Map<string, RunSummary[]>(plan.cells.map((c) => [c.name, []]));
  for (const run of plan.runs) {
    const outcome = outcomes.get(run);
    if (outcome?.kind === 'failed')
      failures.push({ cell: run.cell, seed: run.seed, runDir: run.runDir, error: outcome.error });
    if (outcome?.kind !== 'finished' || !outcome.summary.completed) continue;
    summaries.push(outcome.summary);
    byCell.get(run.cell)!.push(outcome.summary);
  }
  const rows = plan.cells.map((cell) =>
    aggregateCell(cell.name, byCell.get(cell.name)!, failures.filter((f) => f.cell === cell.name).length),
  );
  // summaries written before numerics were recorded name their backend only
  const numerics = options.numerics ?? [...new Set(summaries.map((s) => s.numerics ?? s.backend))];
  const config = plan.configPath === plan.basePath ? plan.configPath : `${plan.configPath} (base ${plan.basePath})`;
  const command = options.command ?? `kd sweep ${plan.configPath}`;
  const resultsPath = join(plan.dir, 'results.md');
  const csvPath = join(plan.dir, 'results.csv');
  ensureDir(plan.dir);
  writeFileAtomic(csvPath, resultsCsv(rows));
  const charts = (await options.charts?.(plan, rows)) ?? [];
  const markdown = resultsMarkdown(plan.name, { command, config, seeds: plan.seeds, numerics }, rows, {
    failures,
    charts,
  });
  writeFileAtomic(resultsPath, markdown);
  return {
    plan,
    rows,
    summaries,
    skipped: options.skipped ?? 0,
    failures,
    table: markdownTable(rows),
    resultsPath,
    csvPath,
  };
}
