import type { Queue } from 'bullmq';
import { jobIdOf, type RunJobData } from './run-job.js';

/** What enqueuing a run found: a new job, a failed one started again, one already waiting or running, or one done. */
export type Enqueued = 'added' | 'retried' | 'queued' | 'completed';

/** Finished jobs stay in Redis this long, so that `kd sweep collect` and a rerun of the sweep find their summaries. */
const KEEP_SECONDS = 30 * 24 * 3600;

/** The job options of a run: `attempts` tries (a failed run is tried again after a second), kept for collection. */
export function runJobOptions(jobId: string, attempts: number) {
  return {
    jobId,
    attempts,
    backoff: { type: 'fixed' as const, delay: 1000 },
    removeOnComplete: { age: KEEP_SECONDS },
    removeOnFail: { age: KEEP_SECONDS },
  };
}

/**
 * Puts a run's job on the queue at most once (its id is deterministic): a job that failed before is
 * started again with fresh attempts, a waiting, running or delayed one is left as it is, and a
 * completed one is reused (its result is the run's summary).
 */
export async function enqueueRun(queue: Queue, data: RunJobData, attempts: number): Promise<Enqueued> {
  const id = jobIdOf(data);
  const existing = await queue.getJob(id);
  if (existing) {
    const state = await existing.getState();
    if (state === 'completed') return 'completed';
    if (state === 'failed') {
      try {
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return 'retried';
      } catch {
        return 'queued'; // someone (another coordinator) retried it first
      }
    }
    if (state !== 'unknown') return 'queued';
  }
  await queue.add('run', data, runJobOptions(id, attempts));
  return 'added';
}
