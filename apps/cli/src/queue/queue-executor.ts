import {
  upgradeSummary,
  type RunExecutor,
  type RunOutcome,
  type RunSummary,
  type SweepPlan,
  type SweepRun,
} from '@kd/runner';
import type { Queue } from 'bullmq';
import { enqueueRun, type Enqueued } from './enqueue.js';
import type { JobEnd, JobWatcher } from './job-watcher.js';
import type { Project } from './project.js';
import { jobIdOf, runJobOf } from './run-job.js';

export interface QueueExecutorOptions {
  readonly queue: Queue;
  readonly watcher: JobWatcher;
  readonly plan: SweepPlan;
  readonly project: Project;
  /** Tries per run before it counts as failed (`--attempts`). */
  readonly attempts: number;
  /** Called once a run's job is on the queue: new, started again after failing, found waiting or running, or done. */
  readonly onEnqueued?: (run: SweepRun, jobId: string, how: Enqueued) => void;
}

/** A job's result is the run's summary; anything else (a foreign worker's answer) is a failure, not a crash. */
export function summaryOfResult(result: unknown): RunSummary | undefined {
  const s = result as Partial<RunSummary> | null;
  if (typeof s !== 'object' || s === null || s.completed !== true || typeof s.student !== 'object') return undefined;
  return upgradeSummary(s);
}

function outcomeOf(end: JobEnd): RunOutcome {
  if (end.kind === 'interrupted') return { kind: 'interrupted' };
  if (end.kind === 'failed') {
    const where = end.worker ? `, last on ${end.worker}` : '';
    return { kind: 'failed', error: `${end.reason} (${end.attempts} attempt(s)${where})` };
  }
  const summary = summaryOfResult(end.result);
  return summary ? { kind: 'finished', summary } : { kind: 'failed', error: 'the worker returned no run summary' };
}

/**
 * Carries out a sweep's runs on `kd worker`s through the job queue: a run is one job (deterministic
 * id, the payload data only), and its outcome comes back with the job — the summary as the job's
 * result, or the last failure after all attempts — so the sweep's table is built without a shared
 * filesystem. Aborting (Ctrl-C) stops waiting; the jobs stay queued and the workers go on.
 */
export function queueExecutor(options: QueueExecutorOptions): RunExecutor {
  const { queue, watcher, plan, project, attempts } = options;
  return {
    maxConcurrency: Number.POSITIVE_INFINITY,
    async execute(run: SweepRun, signal?: AbortSignal): Promise<RunOutcome> {
      const data = runJobOf(plan, run, project);
      const id = jobIdOf(data);
      const end = watcher.wait(id, signal); // watching before the job exists: no finish goes unseen
      if (signal?.aborted) return outcomeOf(await end);
      options.onEnqueued?.(run, id, await enqueueRun(queue, data, attempts));
      void watcher.check(id);
      return outcomeOf(await end);
    },
  };
}
