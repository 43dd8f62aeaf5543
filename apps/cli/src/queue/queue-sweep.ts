import type { RunExecutor, SweepPlan, SweepRun } from '@kd/runner';
import { Queue, QueueEvents } from 'bullmq';
import { bullConnection } from './connection.js';
import type { Enqueued } from './enqueue.js';
import { connectedWorkers } from './job-states.js';
import { JobWatcher } from './job-watcher.js';
import type { Project } from './project.js';
import { queueExecutor } from './queue-executor.js';
import { queueRecordOf, writeQueueRecord } from './queue-record.js';
import { QUEUE_NAME, type QueueAddress } from './queue-url.js';
import { jobIdOf, runJobOf } from './run-job.js';

export interface QueueSweepOptions {
  readonly project: Project;
  readonly attempts: number;
  readonly onEnqueued?: (run: SweepRun, how: Enqueued) => void;
  /** A worker took the run's job (again, after a stall or a retry). */
  readonly onActive?: (run: SweepRun, worker: string | undefined) => void;
  /** The run's worker died; its job is back in the queue. */
  readonly onStalled?: (run: SweepRun) => void;
  /** A worker left the run's job in the queue (another commit), with its reason. */
  readonly onRefused?: (run: SweepRun, line: string) => void;
  /** How often to look at every waiting job besides the queue's events (ms). */
  readonly pollMs?: number;
}

/** A coordinator's hold on the queue while its sweep runs there. */
export interface QueueSweep {
  /** Runs the sweep's runs as jobs (for `runSweep`); the first run writes the sweep folder's queue.json. */
  readonly executor: RunExecutor;
  /** Workers connected to the queue when it was opened. */
  readonly workersAtStart: number;
  close(): Promise<void>;
}

/** Opens the queue and its event stream for a planned sweep (Redis has been checked reachable). */
export async function openQueueSweep(
  address: QueueAddress,
  plan: SweepPlan,
  options: QueueSweepOptions,
): Promise<QueueSweep> {
  const record = queueRecordOf(plan, address, options.project, options.attempts); // a config outside the project fails here
  const connection = bullConnection(address);
  const queue = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  let workersAtStart: number;
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    workersAtStart = await connectedWorkers(queue, address);
  } catch (e) {
    await Promise.all([events.close(), queue.close()]);
    throw e;
  }
  const runs = new Map<string, SweepRun>();
  const watcher = new JobWatcher(queue, events, {
    pollMs: options.pollMs,
    onActive: (id, worker) => {
      const run = runs.get(id);
      if (run) options.onActive?.(run, worker);
    },
    onStalled: (id) => {
      const run = runs.get(id);
      if (run) options.onStalled?.(run);
    },
    onRefused: (id, line) => {
      const run = runs.get(id);
      if (run) options.onRefused?.(run, line);
    },
  });
  let recorded = false;
  const executor = queueExecutor({
    queue,
    watcher,
    plan,
    project: options.project,
    attempts: options.attempts,
    onEnqueued: (run, _id, how) => options.onEnqueued?.(run, how),
  });
  return {
    executor: {
      maxConcurrency: executor.maxConcurrency,
      execute: (run, signal) => {
        if (!recorded) {
          // the sweep folder exists now (runSweep wrote sweep.json before the first run)
          writeQueueRecord(plan.dir, record);
          recorded = true;
        }
        runs.set(jobIdOf(runJobOf(plan, run, options.project)), run); // before its job can start
        return executor.execute(run, signal);
      },
    },
    workersAtStart,
    close: async () => {
      watcher.close();
      await Promise.all([events.close(), queue.close()]);
    },
  };
}
