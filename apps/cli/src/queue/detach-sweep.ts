import type { DependencyContainer } from '@kd/core';
import { preflightSweep, runStatus, writeSweepRecord, type SweepPlan } from '@kd/runner';
import { Queue } from 'bullmq';
import { bullConnection } from './connection.js';
import { enqueueRun, type Enqueued } from './enqueue.js';
import type { Project } from './project.js';
import { queueRecordOf, writeQueueRecord } from './queue-record.js';
import { QUEUE_NAME, type QueueAddress } from './queue-url.js';
import { runJobOf } from './run-job.js';

export interface DetachedSweep {
  /** Runs whose folders hold a finished run (not enqueued). */
  readonly finished: number;
  /** The other runs, by what enqueuing found. */
  readonly enqueued: Readonly<Record<Enqueued, number>>;
}

/**
 * `kd sweep … --queue … --detach`: plans, validates and records the sweep exactly as a waiting
 * `kd sweep` does, enqueues every run not finished on disk, and returns; `kd sweep status` and
 * `kd sweep collect` take it from there.
 */
export async function detachSweep(
  host: DependencyContainer,
  plan: SweepPlan,
  address: QueueAddress,
  options: { readonly project: Project; readonly attempts: number; readonly command?: string },
): Promise<DetachedSweep> {
  const statuses = plan.runs.map(runStatus);
  const todo = plan.runs.filter((_, i) => statuses[i] !== 'finished');
  await preflightSweep(host, plan, todo);
  // the jobs' ids and payloads are computed before anything is written (a config outside the project fails here)
  const jobs = todo.map((run) => runJobOf(plan, run, options.project));
  const record = queueRecordOf(plan, address, options.project, options.attempts);
  writeSweepRecord(plan, options.command);
  writeQueueRecord(plan.dir, record);
  const enqueued: Record<Enqueued, number> = { added: 0, retried: 0, queued: 0, completed: 0 };
  const queue = new Queue(QUEUE_NAME, { connection: bullConnection(address) });
  try {
    for (const data of jobs) enqueued[await enqueueRun(queue, data, options.attempts)]++;
  } finally {
    await queue.close();
  }
  return { finished: plan.runs.length - todo.length, enqueued };
}
