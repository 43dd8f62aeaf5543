import { InterruptedError, UserError } from '@kd/core';
import {
  formatMetric,
  planSweep,
  runSweep,
  type GridAxis,
  type RunConfig,
  type SweepPlan,
  type SweepRun,
  type Variant,
} from '@kd/runner';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { stopOnSignals } from '../interrupts.js';
import type { Io } from '../io.js';
import { loadHost, pluginRequests } from '../plugins/index.js';
import { progressMode } from '../progress/index.js';
import { formatDuration } from '../progress/format.js';
import { sweepProgress } from '../progress/sweep-progress.js';
import { childExecutor } from '../sweep/child-executor.js';
import { sweepCharts } from '../sweep/sweep-charts.js';
import { checkQueueReachable } from '../queue/connection.js';
import { detachSweep } from '../queue/detach-sweep.js';
import { projectOf } from '../queue/project.js';
import { parseQueueUrl, type QueueAddress } from '../queue/queue-url.js';
import { openQueueSweep, type QueueSweep } from '../queue/queue-sweep.js';
import { runPathOf } from '../queue/run-job.js';

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
  /** Run on `kd worker`s through the job queue at this Redis URL instead of here. */
  readonly queue?: string;
  /** With `queue`: enqueue and return at once. */
  readonly detach?: boolean;
  /** With `queue`: tries per run before it counts as failed (default 3). */
  readonly attempts?: number;
}

/** The default of `--attempts`. */
export const DEFAULT_ATTEMPTS = 3;

/** How to go on after Ctrl-C of a sweep waiting on the queue (its jobs stay queued, the workers go on). */
const queueHint = (dir: string) =>
  `the jobs stay queued and the workers go on; kd sweep status ${dir} shows them, kd sweep collect ${dir} writes the results, or run the same command again to wait for them`;

/** Checks the queue options and that Redis answers, before anything is planned or written. */
async function queueOf(flags: SweepFlags): Promise<QueueAddress | undefined> {
  if (flags.queue === undefined) {
    if (flags.detach || flags.attempts !== undefined) throw new UserError('--detach and --attempts need --queue');
    return undefined;
  }
  if (flags.jobs !== undefined)
    throw new UserError("--jobs does not apply with --queue: each worker's --concurrency says how many runs it takes");
  if (flags.stopAfterEpochs !== undefined) throw new UserError('--stop-after-epochs does not apply with --queue');
  const address = parseQueueUrl(flags.queue);
  await checkQueueReachable(address);
  return address;
}

/** The default of `--jobs`: one run per core. */
export const defaultJobs = (): number => availableParallelism();

/**
 * `kd sweep <config>`: expand variants × grid into cells and validate them all (nothing written
 * yet), then run cells × seeds, `--jobs` at a time in child processes (each run's log in its run
 * folder), skipping finished runs, with one overall progress display; print the results table.
 */
export async function sweepCommand(configPath: string, flags: SweepFlags, command: string, io: Io): Promise<void> {
  const address = await queueOf(flags);
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
  const { host } = await loadHost(pluginRequests(...plan.cells.map((c) => c.config)));
  const attempts = flags.attempts ?? DEFAULT_ATTEMPTS;
  if (address && flags.detach) return detachCommand(host, plan, address, { attempts, command }, io);
  const label = (i: number, total: number, cell: string, seed: number) => `[sweep ${i}/${total}] ${cell} seed ${seed}`;
  const labelOf = (run: SweepRun) => label(plan.runs.indexOf(run) + 1, plan.runs.length, run.cell, run.seed);
  const queue: QueueSweep | undefined = address
    ? await openQueueSweep(address, plan, {
        project: projectOf(),
        attempts,
        onEnqueued: (run, how) => {
          const what = {
            added: 'queued',
            retried: 'failed before: queued again',
            queued: 'already queued',
            completed: 'finished earlier on the queue',
          }[how];
          progress.log(`${labelOf(run)}: ${what}`);
        },
        onActive: (run, worker) => {
          tally.runStarted(run); // running from when a worker takes it (again, after a stall)
          progress.log(`${labelOf(run)}: running on ${worker ?? 'a worker'}`);
          progress.update();
        },
        onStalled: (run) => progress.log(`${labelOf(run)}: its worker stopped answering; the job is back in the queue`),
        onRefused: (run, line) => progress.log(`${labelOf(run)}: ${line}`),
      })
    : undefined;
  // a queued run's log is on the worker that ran it
  const logOf = (run: SweepRun) =>
    queue ? `${runPathOf(plan, run)}/log.txt in the worker's --out` : join(run.runDir, 'log.txt');
  // on a queue every run is enqueued at once; the workers decide how many run
  const jobs = queue ? Math.max(1, plan.runs.length) : (flags.jobs ?? defaultJobs());
  const progress = sweepProgress(progressMode(flags.quiet), queue ? Math.max(1, queue.workersAtStart) : jobs);
  const { tally } = progress;
  const stop = stopOnSignals(io);
  try {
    const result = await runSweep(host, plan, {
      signal: stop.signal,
      log: progress.log,
      command,
      jobs,
      executor: queue?.executor ?? childExecutor({ stopAfterEpochs: flags.stopAfterEpochs, jobs }),
      charts: (p) => sweepCharts(p.dir, progress.log),
      onStart: (p, statuses) => {
        tally.start(p, statuses);
        const done = statuses.filter((s) => s === 'finished').length;
        const how = address ? `on the queue ${address.shown}` : `${jobs} at a time`;
        progress.log(
          `sweep ${p.name}: ${p.cells.length} cell(s) × ${p.seeds.length} seed(s) = ${p.runs.length} run(s) in ${p.dir}, ${how}${done ? `, ${done} finished earlier` : ''}`,
        );
        progress.log(`cells: ${p.cells.map((c) => c.name).join(', ')}`);
        if (queue && queue.workersAtStart === 0)
          progress.log(
            `no kd worker is connected to the queue yet; start some: kd worker --queue <url> --out <folder>`,
          );
        progress.update();
      },
      onRun: (run, i, total, status) => {
        if (status === 'finished') {
          progress.log(`${label(i, total, run.cell, run.seed)}: finished earlier, skipped (${run.runDir})`);
          return;
        }
        if (queue) return; // told when its job is enqueued and when a worker takes it
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
        } else if (outcome.kind === 'failed') progress.log(`${head} failed: ${outcome.error} (log: ${logOf(run)})`);
        else if (outcome.kind === 'incomplete') progress.log(`${head} stopped before the end (resumable)`);
        else if (outcome.kind === 'interrupted') {
          if (queue) return; // Ctrl-C: its job stays queued
          progress.log(`${head} interrupted (resumable)`);
        }
        progress.logCounts();
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
  } catch (e) {
    if (queue && e instanceof InterruptedError) e.resumeHint = queueHint(plan.dir);
    throw e;
  } finally {
    stop.dispose();
    progress.close();
    await queue?.close();
  }
}

/** `--detach`: plan, validate, record and enqueue; `kd sweep status` / `collect` take it from there. */
async function detachCommand(
  host: Awaited<ReturnType<typeof loadHost>>['host'],
  plan: SweepPlan,
  address: QueueAddress,
  options: { readonly attempts: number; readonly command: string },
  io: Io,
): Promise<void> {
  const { finished, enqueued } = await detachSweep(host, plan, address, { project: projectOf(), ...options });
  const parts = [
    `${enqueued.added} queued`,
    ...(enqueued.retried ? [`${enqueued.retried} failed before, queued again`] : []),
    ...(enqueued.queued ? [`${enqueued.queued} already queued`] : []),
    ...(enqueued.completed ? [`${enqueued.completed} done in the queue`] : []),
    ...(finished ? [`${finished} finished earlier`] : []),
  ];
  io.out(`sweep ${plan.name}: ${plan.runs.length} run(s) on ${address.shown}: ${parts.join(', ')}\n`);
  io.out(`kd sweep status ${plan.dir} shows them; kd sweep collect ${plan.dir} writes results.md and results.csv\n`);
}
