import type { Job, JobState, Queue } from 'bullmq';
import { QUEUE_RECORD, type QueueRecord } from './queue-record.js';
import { parseQueueUrl, type QueueAddress } from './queue-url.js';

/** A job as status and collect see it: its state, and the job when it exists. */
export interface JobLook {
  readonly state: JobState | 'unknown';
  readonly job?: Job;
}

/** The state of each job id (`unknown`: not in the queue — never enqueued, or removed). */
export async function lookAtJobs(queue: Queue, ids: readonly string[]): Promise<Map<string, JobLook>> {
  const looks = await Promise.all(
    ids.map(async (id): Promise<[string, JobLook]> => {
      const job = await queue.getJob(id);
      return [id, job ? { state: await job.getState(), job } : { state: 'unknown' }];
    }),
  );
  return new Map(looks);
}

/**
 * Workers connected to the queue in its Redis database (BullMQ counts the server's clients by
 * name, and every database's kd queue has the same name).
 */
export async function connectedWorkers(queue: Queue, address: QueueAddress): Promise<number> {
  const clients = (await queue.getWorkers()) as { db?: string }[];
  return clients.filter((c) => c.db === undefined || Number(c.db) === address.connection.db).length;
}

/** The queue of a sweep folder: `--queue` (with credentials) or the one its queue.json names. */
export function sweepQueueAddress(record: QueueRecord | undefined, flag: string | undefined): QueueAddress | undefined {
  if (flag !== undefined) return parseQueueUrl(flag);
  return record ? parseQueueUrl(record.queue, `the queue of ${QUEUE_RECORD}`) : undefined;
}
