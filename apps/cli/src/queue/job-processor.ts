import { UserError } from '@kd/core';
import { formatMetric, type RunExecutor, type RunSummary, type SweepRun } from '@kd/runner';
import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { REFUSED } from './job-watcher.js';
import type { Project } from './project.js';
import { acceptRunJob, commitOfJob, type WorkerPlaces } from './run-job.js';

export interface JobProcessorOptions {
  readonly places: WorkerPlaces;
  /** Runs a job's run (a child `kd run -` that stops when this worker dies). */
  readonly executor: RunExecutor;
  /** The worker's stop (SIGINT/SIGTERM): runs in progress checkpoint, their jobs go back to the queue. */
  readonly signal: AbortSignal;
  /** This worker's name (`host:pid`), in refusals. */
  readonly name: string;
  readonly log: (line: string) => void;
  /** How long a job of another commit is put aside before any worker looks at it again (ms). */
  readonly refuseDelayMs?: number;
  /** First pause before looking again at a run folder an earlier attempt still holds (ms; doubles up to 30 s). */
  readonly busyPollMs?: number;
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

const commitName = (commit: string | null) => commit ?? 'none (not a git checkout)';

function refusal(jobCommit: string | null, project: Project): string {
  return (
    `the job was made at commit ${commitName(jobCommit)}, this worker runs ${commitName(project.commit)}; ` +
    'left in the queue for a worker at that commit'
  );
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * What a `kd worker` does with a job. A job of another commit is left for another worker (put aside,
 * told once); the payload is then validated as data (`acceptRunJob`), and a bad one fails at once
 * with its one-line reason and no retry. The run goes through the executor into `<out>/<run>`; its
 * summary is the job's result, a failure its error (BullMQ retries it up to the job's attempts).
 * When the folder is held by an earlier attempt's child (its worker was killed and the job
 * re-delivered), it waits for that child to stop and then runs, which resumes from the checkpoint or
 * returns the stored summary. On the worker's stop the run checkpoints and the job goes back to wait.
 */
export function jobProcessor(options: JobProcessorOptions): (job: Job, token?: string) => Promise<RunSummary> {
  const { places, executor, signal, log } = options;
  const told = new Set<string>();
  return async (job, token) => {
    const id = job.id ?? '?';
    const commit = commitOfJob(job.data);
    if (commit !== undefined && commit !== places.project.commit) {
      if (!told.has(id)) {
        told.add(id);
        const reason = refusal(commit, places.project);
        log(`job ${id}: ${reason}`);
        await job.log(`${REFUSED}${options.name}: ${reason}`); // what the coordinator and kd sweep status show
      }
      await job.moveToDelayed(Date.now() + (options.refuseDelayMs ?? 10_000), token);
      throw new DelayedError();
    }
    let run: SweepRun;
    try {
      run = acceptRunJob(job.data, places);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      const reason = oneLine(e.message);
      log(`job ${id}: rejected: ${reason}`);
      throw new UnrecoverableError(reason);
    }
    log(`job ${id}: running in ${run.runDir} (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1})`);
    const started = Date.now();
    let pause = options.busyPollMs ?? 1000;
    for (;;) {
      const outcome = signal.aborted ? ({ kind: 'interrupted' } as const) : await executor.execute(run, signal);
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      if (outcome.kind === 'finished') {
        const s = outcome.summary;
        const primary = s.task.metrics.find((m) => m.name === s.task.primary);
        const metric = primary ? `, test ${formatMetric(primary, s.student.test.last[primary.name])}` : '';
        log(`job ${id}: finished in ${seconds} s${metric}`);
        return s;
      }
      // stopped by this worker's stop (also a child killed before it could take the signal): not a failure
      if (outcome.kind === 'interrupted' || signal.aborted) {
        log(`job ${id}: stopped (resumable); back in the queue`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (outcome.kind === 'failed') {
        log(`job ${id}: failed after ${seconds} s: ${outcome.error}`);
        throw new Error(oneLine(outcome.error));
      }
      if (outcome.kind === 'incomplete') throw new Error('the run stopped before its end without an error');
      // busy: the child of an earlier attempt (its worker was killed) holds the folder until its step ends
      if (pause === (options.busyPollMs ?? 1000))
        log(`job ${id}: ${run.runDir} is still held by an earlier attempt's process; waiting for it to stop`);
      await sleep(pause, signal);
      pause = Math.min(pause * 2, 30_000);
    }
  };
}
