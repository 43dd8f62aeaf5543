import { ensureDir, InterruptedError } from '@kd/core';
import { Worker } from 'bullmq';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { stopOnSignals } from '../interrupts.js';
import type { Io } from '../io.js';
import { bullConnection, checkQueueReachable } from '../queue/connection.js';
import { jobProcessor } from '../queue/job-processor.js';
import { projectOf } from '../queue/project.js';
import { parseQueueUrl, QUEUE_NAME } from '../queue/queue-url.js';
import { childExecutor } from '../sweep/child-executor.js';
import { defaultJobs } from './sweep.js';

export interface WorkerFlags {
  readonly queue: string;
  readonly out: string;
  /** Runs at once, each a child process (default: the number of cores). */
  readonly concurrency?: number;
  /** Teacher and recipe cache (default `<out>/.kd-cache/<host>`). */
  readonly cacheDir?: string;
  /** BullMQ's job lock: a worker that stops renewing it (killed) loses its jobs after this long (default 30). */
  readonly lockSeconds?: number;
}

/** A job whose worker died is taken back this often at most before it fails ("stalled too often"). */
const MAX_STALLS = 3;

/** The host's name as a folder name. */
const hostFolder = () => hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'host';

const clock = () => new Date().toISOString().slice(11, 19);

/**
 * `kd worker --queue redis://… --out <dir>`: takes sweep runs from the job queue and runs each as a
 * child `kd run -` into `<out>/<run>` (`jobProcessor`), `--concurrency` at a time, until SIGINT or
 * SIGTERM: then it takes no new job, lets the runs checkpoint, puts their jobs back and exits.
 */
export async function workerCommand(flags: WorkerFlags, io: Io): Promise<void> {
  const address = parseQueueUrl(flags.queue);
  await checkQueueReachable(address);
  const out = resolve(flags.out);
  ensureDir(out);
  const cacheDir = resolve(flags.cacheDir ?? join(out, '.kd-cache', hostFolder()));
  const project = projectOf();
  const name = `${hostname()}:${process.pid}`;
  const concurrency = flags.concurrency ?? defaultJobs();
  const lockMs = (flags.lockSeconds ?? 30) * 1000;
  const log = (line: string) => io.err(`${clock()} ${line}\n`);
  const stop = stopOnSignals(io);
  const processor = jobProcessor({
    places: { out, cacheDir, project },
    executor: childExecutor({ stopWithParent: true, origin: `kd worker ${name}`, jobs: concurrency }),
    signal: stop.signal,
    name,
    log,
  });
  const worker = new Worker(QUEUE_NAME, processor, {
    connection: bullConnection(address),
    concurrency,
    name,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: MAX_STALLS,
  });
  let lastError = '';
  worker.on('error', (e) => {
    const message = e.message.split('\n')[0] ?? String(e);
    if (message !== lastError) log(`queue: ${message}`); // e.g. Redis gone for a while: ioredis reconnects
    lastError = message;
  });
  worker.on('stalled', (jobId) => log(`job ${jobId}: its worker stopped answering; back in the queue`));
  try {
    log(
      `kd worker ${name}: taking jobs from ${address.shown} (queue ${QUEUE_NAME}), ${concurrency} at a time, ` +
        `into ${out}; commit ${project.commit ?? 'none (not a git checkout)'}`,
    );
    await new Promise((done) => stop.signal.addEventListener('abort', done, { once: true }));
    log('stopping: no new jobs; runs in progress stop after their step and go back to the queue');
    await worker.close();
    const reason = stop.signal.reason instanceof InterruptedError ? stop.signal.reason : new InterruptedError();
    reason.resumeHint = 'the jobs it was running are back in the queue';
    throw reason;
  } finally {
    await worker.close();
    stop.dispose();
  }
}
