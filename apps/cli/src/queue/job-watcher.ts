import type { Job, Queue, QueueEvents } from 'bullmq';

/** How a watched job ended. */
export type JobEnd =
  | { readonly kind: 'completed'; readonly result: unknown }
  | { readonly kind: 'failed'; readonly reason: string; readonly attempts: number; readonly worker?: string }
  | { readonly kind: 'interrupted' };

export interface JobWatcherOptions {
  /** A job was taken by a worker (named `host:pid`). */
  readonly onActive?: (jobId: string, worker: string | undefined) => void;
  /** A job's worker stopped renewing its lock (killed): the job is back in the queue for another worker. */
  readonly onStalled?: (jobId: string) => void;
  /** A worker left a job for another one (its last log line, e.g. made at another commit); told once per message. */
  readonly onRefused?: (jobId: string, line: string) => void;
  /** How often to look at every watched job, in case an event was missed (ms). */
  readonly pollMs?: number;
}

/** A refusal line a worker writes into a job's log before leaving it in the queue. */
export const REFUSED = 'refused by ';

/**
 * Waits for jobs to finish: QueueEvents tells at once, and every watched job is looked at on a timer
 * as well, so a missed event (a reconnect, a job that finished before it was watched) only delays.
 */
export class JobWatcher {
  private readonly pending = new Map<string, (end: JobEnd) => void>();
  private readonly told = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly queue: Queue,
    events: QueueEvents,
    private readonly options: JobWatcherOptions = {},
  ) {
    const look = ({ jobId }: { jobId: string }) => void this.check(jobId);
    events.on('completed', look);
    events.on('failed', look);
    events.on('removed', look);
    events.on('active', ({ jobId }) => void this.active(jobId));
    events.on('delayed', ({ jobId }) => void this.delayed(jobId));
    events.on('stalled', ({ jobId }) => {
      if (this.pending.has(jobId)) options.onStalled?.(jobId);
    });
    this.timer = setInterval(() => {
      for (const id of this.pending.keys()) void this.check(id);
    }, options.pollMs ?? 5000);
  }

  /** Resolves when the job completes or fails for good, or with `interrupted` when `signal` aborts (the job stays queued). */
  wait(jobId: string, signal?: AbortSignal): Promise<JobEnd> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve({ kind: 'interrupted' });
      const onAbort = () => finish({ kind: 'interrupted' });
      const finish = (end: JobEnd) => {
        if (this.pending.get(jobId) !== finish) return;
        this.pending.delete(jobId);
        signal?.removeEventListener('abort', onAbort);
        resolve(end);
      };
      this.pending.set(jobId, finish);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Looks at a job now (after enqueuing it: it may have finished long ago). */
  async check(jobId: string): Promise<void> {
    const finish = this.pending.get(jobId);
    if (!finish) return;
    let job: Job | undefined;
    try {
      job = await this.queue.getJob(jobId);
      if (!job) return finish({ kind: 'failed', reason: 'the job was removed from the queue', attempts: 0 });
      const state = await job.getState();
      if (state === 'completed') finish({ kind: 'completed', result: job.returnvalue });
      else if (state === 'failed')
        finish({
          kind: 'failed',
          reason: job.failedReason || 'failed without a reason',
          attempts: job.attemptsMade,
          worker: job.processedBy,
        });
    } catch {
      /* Redis unreachable for now: the next look tries again */
    }
  }

  private async active(jobId: string): Promise<void> {
    if (!this.pending.has(jobId)) return;
    try {
      const job = await this.queue.getJob(jobId);
      this.options.onActive?.(jobId, job?.processedBy);
    } catch {
      this.options.onActive?.(jobId, undefined);
    }
  }

  private async delayed(jobId: string): Promise<void> {
    if (!this.pending.has(jobId) || !this.options.onRefused) return;
    try {
      const { logs } = await this.queue.getJobLogs(jobId, -1, -1);
      const line = logs[0];
      if (line?.startsWith(REFUSED) && !this.told.has(`${jobId}\n${line}`)) {
        this.told.add(`${jobId}\n${line}`);
        this.options.onRefused(jobId, line);
      }
    } catch {
      /* only a message */
    }
  }

  /** Stops watching (pending waits stay unresolved: call after they are settled or abandoned). */
  close(): void {
    clearInterval(this.timer);
  }
}
