import { Queue } from 'bullmq';
import type { Io } from '../io.js';
import { bullConnection, checkQueueReachable } from './connection.js';
import { connectedWorkers, lookAtJobs, sweepQueueAddress, type JobLook } from './job-states.js';
import { QUEUE_NAME, parseQueueUrl, type QueueAddress } from './queue-url.js';
import { finishedOnDisk, readSweepFolder } from './sweep-folder.js';

/** The states a run is counted in, in the order they are shown. */
const ORDER = ['completed', 'finished on disk', 'active', 'waiting', 'prioritized', 'delayed', 'failed', 'not queued'];

function countsText(counts: ReadonlyMap<string, number>): string {
  const known = [...counts.keys()].sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  return known.map((state) => `${counts.get(state)} ${state}`).join(' · ') || 'no runs';
}

async function withQueue<T>(address: QueueAddress, work: (queue: Queue) => Promise<T>): Promise<T> {
  await checkQueueReachable(address);
  const queue = new Queue(QUEUE_NAME, { connection: bullConnection(address) });
  try {
    return await work(queue);
  } finally {
    await queue.close();
  }
}

/** A run's line under the counts, for the states a person acts on: who runs it, why it failed or waits. */
async function detail(queue: Queue, look: JobLook): Promise<string | undefined> {
  const job = look.job;
  if (!job) return undefined;
  if (look.state === 'active') return `active on ${job.processedBy ?? 'a worker'} (attempt ${job.attemptsMade + 1})`;
  if (look.state === 'failed') return `failed: ${job.failedReason} (${job.attemptsMade} attempt(s))`;
  if (look.state === 'delayed') {
    const { logs } = await queue.getJobLogs(job.id!, -1, -1);
    return `delayed${logs[0] ? `: ${logs[0]}` : job.failedReason ? ` (retrying after: ${job.failedReason})` : ''}`;
  }
  return undefined;
}

/** `kd sweep status <sweep-dir>`: each run's state (its folder, else its job), counted, with details. */
async function sweepFolderStatus(dir: string, queueFlag: string | undefined, io: Io): Promise<void> {
  const { plan, record } = readSweepFolder(dir);
  const address = sweepQueueAddress(record, queueFlag);
  const jobOf = new Map(record?.runs.map((r) => [`${r.cell}\n${r.seed}`, r.job]));
  const ids = plan.runs.map((r) => jobOf.get(`${r.cell}\n${r.seed}`)).filter((id): id is string => !!id);
  const { looks, details } = address
    ? await withQueue(address, async (queue) => {
        const looks = await lookAtJobs(queue, ids);
        const details = new Map<string, string | undefined>();
        for (const [id, look] of looks) details.set(id, await detail(queue, look));
        return { looks, details };
      })
    : { looks: new Map<string, JobLook>(), details: new Map<string, string | undefined>() };
  const counts = new Map<string, number>();
  const lines: string[] = [];
  for (const run of plan.runs) {
    const id = jobOf.get(`${run.cell}\n${run.seed}`);
    const look = id ? looks.get(id) : undefined;
    let state: string;
    if (look && look.state !== 'unknown') state = look.state;
    else state = finishedOnDisk(run.runDir) ? 'finished on disk' : 'not queued';
    counts.set(state, (counts.get(state) ?? 0) + 1);
    const more = id ? details.get(id) : undefined;
    if (more) lines.push(`  ${run.cell} seed ${run.seed}: ${more}`);
  }
  const where = address ? ` on ${address.shown}` : ' (not run on a queue)';
  io.out(`sweep ${plan.name} (${dir})${where}: ${plan.runs.length} run(s): ${countsText(counts)}\n`);
  for (const line of lines) io.out(line + '\n');
}

/** `kd sweep status <redis-url>`: the whole queue's counts, then per sweep (the first part of a job id). */
async function queueStatus(address: QueueAddress, io: Io): Promise<void> {
  await withQueue(address, async (queue) => {
    const states = ['active', 'waiting', 'prioritized', 'delayed', 'failed', 'completed'] as const;
    const perSweep = new Map<string, Map<string, number>>();
    const total = new Map<string, number>();
    for (const state of states) {
      for (const job of await queue.getJobs([state])) {
        const sweep = job.id?.split('/')[0] ?? '?';
        const counts = perSweep.get(sweep) ?? new Map<string, number>();
        counts.set(state, (counts.get(state) ?? 0) + 1);
        perSweep.set(sweep, counts);
        total.set(state, (total.get(state) ?? 0) + 1);
      }
    }
    const workers = await connectedWorkers(queue, address);
    io.out(`queue ${QUEUE_NAME} on ${address.shown}: ${countsText(total)}; ${workers} worker(s) connected\n`);
    for (const [sweep, counts] of [...perSweep].sort(([a], [b]) => a.localeCompare(b)))
      io.out(`  sweep ${sweep}: ${countsText(counts)}\n`);
  });
}

/** `kd sweep status <sweep-dir | redis-url>`. */
export async function sweepStatusCommand(target: string, flags: { readonly queue?: string }, io: Io): Promise<void> {
  if (/^rediss?:\/\//i.test(target)) return queueStatus(parseQueueUrl(target, 'status'), io);
  return sweepFolderStatus(target, flags.queue, io);
}
