import { UserError } from '@kd/core';
import { formatMetric, planSweep, runSweep, type GridAxis, type RunConfig, type Variant } from '@kd/runner';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { stopOnSignals } from '../interrupts.js';
import type { Io } from '../io.js';
import { loadHost } from '../plugins.js';
import { progressMode } from '../progress/index.js';
import { formatDuration } from '../progress/format.js';
import { countsLine, sweepProgress } from '../progress/sweep-progress.js';
import { childExecutor } from '../sweep/child-executor.js';

export interface SweepFlags {
  readonly grid: readonly GridAxis[];
  readonly variant: readonly Variant[];
  readonly set: readonly string[];
  readonly seeds?: number;
  readonly seedStart?: number;
  readonly out?: string;
  readonly name?: string;
  readonly backend?: RunConfig['backend'];
  /** Runs at once, each in its own process (default: the number of cores). */
  readonly jobs?: number;
  readonly quiet?: boolean;
  readonly stopAfterEpochs?: number;
}

/** The default of `--jobs`: one run per core. */
export const defaultJobs = (): number => availableParallelism();

/**
 * `kd sweep <config>`: expand variants × grid into cells and validate them all (nothing written
 * yet), then run cells × seeds, `--jobs` at a time in child processes (each run's log in its run
 * folder), skipping finished runs, with one overall progress display; print the results table.
 */
export async function sweepCommand(configPath: string, flags: SweepFlags, command: string, io: Io): Promise<void> {
  const plan = planSweep({
    configPath,
    grid: flags.grid,
    variants: flags.variant,
    sets: flags.set,
    seeds: flags.seeds,
    seedStart: flags.seedStart,
    out: flags.out,
    name: flags.name,
    backend: flags.backend,
  });
  const { host } = await loadHost();
  const jobs = flags.jobs ?? defaultJobs();
  const progress = sweepProgress(progressMode(flags.quiet), jobs);
  const { tally } = progress;
  const stop = stopOnSignals(io);
  const label = (i: number, total: number, cell: string, seed: number) => `[sweep ${i}/${total}] ${cell} seed ${seed}`;
  try {
    const result = await runSweep(host, plan, {
      signal: stop.signal,
      log: progress.log,
      command,
      jobs,
      executor: childExecutor({ stopAfterEpochs: flags.stopAfterEpochs }),
      onStart: (p, statuses) => {
        tally.start(p, statuses);
        const done = statuses.filter((s) => s === 'finished').length;
        progress.log(
          `sweep ${p.name}: ${p.cells.length} cell(s) × ${p.seeds.length} seed(s) = ${p.runs.length} run(s) in ${p.dir}, ${jobs} at a time${done ? `, ${done} finished earlier` : ''}`,
        );
        progress.log(`cells: ${p.cells.map((c) => c.name).join(', ')}`);
        progress.update();
      },
      onRun: (run, i, total, status) => {
        if (status === 'finished') {
          progress.log(`${label(i, total, run.cell, run.seed)}: finished earlier, skipped (${run.runDir})`);
          return;
        }
        tally.runStarted(run);
        const what = status === 'interrupted' ? 'resuming' : 'running';
        progress.log(`${label(i, total, run.cell, run.seed)}: ${what} (log: ${join(run.runDir, 'log.txt')})`);
        progress.update();
      },
      onRunEnd: (run, i, outcome) => {
        const seconds = tally.runEnded(run, outcome);
        const head = `${label(i, plan.runs.length, run.cell, run.seed)}:`;
        if (outcome.kind === 'finished') {
          const s = outcome.summary;
          const primary = s.task.metrics.find((m) => m.name === s.task.primary);
          const metric = primary ? `, test ${formatMetric(primary, s.student.test.last[primary.name])}` : '';
          progress.log(`${head} finished in ${formatDuration(seconds)}${metric}`);
        } else if (outcome.kind === 'failed')
          progress.log(`${head} failed: ${outcome.error} (log: ${join(run.runDir, 'log.txt')})`);
        else if (outcome.kind === 'incomplete') progress.log(`${head} stopped before the end (resumable)`);
        else if (outcome.kind === 'interrupted') progress.log(`${head} interrupted (resumable)`);
        progress.log(`sweep: ${countsLine(tally.counts())}`);
        progress.update();
      },
    });
    progress.close();
    io.out(`${result.table}\n\n`);
    io.out(
      `${result.summaries.length}/${plan.runs.length} runs finished (${result.skipped} skipped as done earlier)${result.failures.length ? `, ${result.failures.length} failed` : ''}\n`,
    );
    io.out(`results: ${result.resultsPath}, ${result.csvPath}\n`);
    if (result.failures.length)
      throw new UserError(
        `${result.failures.length} run(s) failed (listed in ${result.resultsPath}, each with its log.txt); run the same command again to retry them`,
      );
  } finally {
    stop.dispose();
    progress.close();
  }
}
