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
import { RUN_LOCK, RunBusyError, runExperiment, type RunSummary } from '../run.js';
import { aggregateCell, type CellResult } from './aggregate.js';
import type { SweepPlan, SweepRun } from './plan.js';
import { markdownTable, resultsCsv, resultsMarkdown } from './report.js';

/** Where a run of the sweep stands before the sweep runs it. */
export type RunStatus = 'finished' | 'interrupted' | 'new';

export interface SweepOptions {
  readonly events?: EventSink;
  readonly log?: (line: string) => void;
  /** Called before each run (index is 1-based), with what will happen to it. */
  readonly onRun?: (run: SweepRun, index: number, total: number, status: RunStatus) => void;
  /** Called once every cell has validated, before the sweep folder is created. */
  readonly onStart?: (plan: SweepPlan, statuses: readonly RunStatus[]) => void;
  /** The command line, for the header of results.md. */
  readonly command?: string;
  /** Stop each started run's distill stage after this many epochs (interruption tests). */
  readonly stopAfterEpochs?: number;
  /** Aborted on Ctrl-C / SIGTERM: the run in progress stops before its next step; the sweep stops. */
  readonly signal?: AbortSignal;
  /** How often to look again at a run another process is training (ms). */
  readonly pollMs?: number;
}

export interface SweepResult {
  readonly plan: SweepPlan;
  readonly rows: readonly CellResult[];
  readonly summaries: readonly RunSummary[];
  /** Runs skipped because they had finished before. */
  readonly skipped: number;
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
 */
async function preflight(host: DependencyContainer, plan: SweepPlan, todo: readonly SweepRun[]): Promise<void> {
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

/**
 * Runs a planned sweep: every cell × seed in order, each in `<sweep>/<cell>/seed-<k>`. Finished runs
 * (summary.json, completed) are skipped, interrupted ones resumed from their checkpoints. Then writes
 * results.md and results.csv (mean ± sample std over seeds per cell) into the sweep folder.
 */
export async function runSweep(
  host: DependencyContainer,
  plan: SweepPlan,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const statuses = plan.runs.map(runStatus);
  await preflight(
    host,
    plan,
    plan.runs.filter((_, i) => statuses[i] !== 'finished'),
  );
  options.onStart?.(plan, statuses);

  ensureDir(plan.dir);
  writeFileAtomic(
    join(plan.dir, 'sweep.json'),
    JSON.stringify(
      {
        name: plan.name,
        command: options.command,
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

  const summaries: RunSummary[] = [];
  const byCell = new Map<string, RunSummary[]>(plan.cells.map((c) => [c.name, []]));
  let skipped = 0;
  const keep = (run: SweepRun, summary: RunSummary) => {
    if (!summary.completed) return;
    summaries.push(summary);
    byCell.get(run.cell)!.push(summary);
  };
  const attempt = async (run: SweepRun): Promise<RunSummary | undefined> => {
    try {
      return await runExperiment(host, run.config, {
        runDir: run.runDir,
        events: options.events,
        log: options.log,
        stopAfterEpochs: options.stopAfterEpochs,
        signal: options.signal,
      });
    } catch (e) {
      if (e instanceof RunBusyError && e.runDir === run.runDir) return undefined; // another sweep process trains it: take the next
      if (e instanceof InterruptedError)
        e.resumeHint = 'finished runs are kept; run the same kd sweep command again to continue';
      throw e;
    }
  };
  // Runs that another process (a second `kd sweep` on this folder) is training are left to it and
  // collected at the end, so two processes share the work instead of duplicating it.
  const elsewhere: SweepRun[] = [];
  for (const [i, run] of plan.runs.entries()) {
    const status = statuses[i]!;
    options.onRun?.(run, i + 1, plan.runs.length, status);
    if (status === 'finished') {
      keep(run, upgradeSummary(new RunFolder(run.runDir).readJson('summary.json')));
      skipped++;
      continue;
    }
    const summary = await attempt(run);
    if (summary) keep(run, summary);
    else {
      options.log?.(`${run.runDir}: another kd process is training it; going on with the next run`);
      elsewhere.push(run);
    }
  }
  const pause = async () => {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
    if (options.signal?.aborted) {
      const e = options.signal.reason instanceof InterruptedError ? options.signal.reason : new InterruptedError();
      e.resumeHint = 'finished runs are kept; run the same kd sweep command again to continue';
      throw e;
    }
  };
  for (const run of elsewhere) {
    // wait for the other process; if it stopped without finishing, resume the run here
    for (;;) {
      while (lockOwner(join(run.runDir, RUN_LOCK)) !== undefined) await pause();
      const summary = await attempt(run);
      if (summary) {
        keep(run, summary);
        break;
      }
      await pause(); // it was taken again meanwhile
    }
  }

  const rows = plan.cells.map((cell) => aggregateCell(cell.name, byCell.get(cell.name)!));
  // summaries written before numerics were recorded name their backend only
  const numerics = [...new Set(summaries.map((s) => s.numerics ?? s.backend))];
  const config = plan.configPath === plan.basePath ? plan.configPath : `${plan.configPath} (base ${plan.basePath})`;
  const command = options.command ?? `kd sweep ${plan.configPath}`;
  const markdown = resultsMarkdown(plan.name, { command, config, seeds: plan.seeds, numerics }, rows);
  const resultsPath = join(plan.dir, 'results.md');
  const csvPath = join(plan.dir, 'results.csv');
  writeFileAtomic(resultsPath, markdown);
  writeFileAtomic(csvPath, resultsCsv(rows));
  return { plan, rows, summaries, skipped, table: markdownTable(rows), resultsPath, csvPath };
}
