import { UserError } from '@kd/core';
import { writeSweepResults, type RunOutcome, type SweepRun } from '@kd/runner';
import { Queue } from 'bullmq';
import type { Io } from '../io.js';
import { bullConnection, checkQueueReachable } from './connection.js';
import { lookAtJobs, sweepQueueAddress, type JobLook } from './job-states.js';
import { QUEUE_NAME } from './queue-url.js';
import { summaryOfResult } from './queue-executor.js';
import { finishedOnDisk, readSweepFolder } from './sweep-folder.js';
import { sweepCharts } from '../sweep/sweep-charts.js';

/** A run's outcome from its folder (finished there) or else its job (completed: the summary; failed: the reason). */
function outcomeOf(run: SweepRun, look: JobLook | undefined): RunOutcome | undefined {
  const onDisk = finishedOnDisk(run.runDir);
  if (onDisk) return { kind: 'finished', summary: onDisk };
  const job = look?.job;
  if (!job) return undefined;
  if (look.state === 'completed') {
    const summary = summaryOfResult(job.returnvalue);
    return summary ? { kind: 'finished', summary } : { kind: 'failed', error: 'the worker returned no run summary' };
  }
  if (look.state === 'failed')
    return {
      kind: 'failed',
      error: `${job.failedReason} (${job.attemptsMade} attempt(s), last on ${job.processedBy ?? '?'})`,
    };
  return undefined;
}

/**
 * `kd sweep collect <sweep-dir> [--queue …]`: writes results.md and results.csv from what is done —
 * finished run folders, and the summaries of completed jobs (no shared filesystem needed) — listing
 * failed runs with their reasons; runs still queued or running are left out and counted.
 */
export async function sweepCollectCommand(dir: string, flags: { readonly queue?: string }, io: Io): Promise<void> {
  const { plan, command, record } = readSweepFolder(dir);
  const address = sweepQueueAddress(record, flags.queue);
  const jobOf = new Map(record?.runs.map((r) => [`${r.cell}\n${r.seed}`, r.job]));
  const key = (run: SweepRun) => `${run.cell}\n${run.seed}`;
  let looks = new Map<string, JobLook>();
  if (address) {
    await checkQueueReachable(address);
    const queue = new Queue(QUEUE_NAME, { connection: bullConnection(address) });
    try {
      looks = await lookAtJobs(queue, [...jobOf.values()]);
    } finally {
      await queue.close();
    }
  }
  const outcomes = new Map<SweepRun, RunOutcome>();
  for (const run of plan.runs) {
    const id = jobOf.get(key(run));
    const outcome = outcomeOf(run, id ? looks.get(id) : undefined);
    if (outcome) outcomes.set(run, outcome);
  }
  const result = await writeSweepResults(plan, outcomes, {
    command,
    charts: (p) => sweepCharts(p.dir, (line) => io.err(`${line}\n`)),
  });
  const pending = plan.runs.length - outcomes.size;
  io.out(`${result.table}\n\n`);
  io.out(
    `${result.summaries.length}/${plan.runs.length} runs finished` +
      `${result.failures.length ? `, ${result.failures.length} failed` : ''}` +
      `${pending ? `, ${pending} not finished yet (collect again later)` : ''}\n`,
  );
  io.out(`results: ${result.resultsPath}, ${result.csvPath}\n`);
  if (result.failures.length)
    throw new UserError(
      `${result.failures.length} run(s) failed (listed in ${result.resultsPath}); run the same kd sweep command again to retry them`,
    );
}
