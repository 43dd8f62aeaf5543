import { ensureDir, UserError, withStorageErrors } from '@kd/core';
import type { SweepPlan } from '@kd/runner';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobIdOf, runJobOf } from './run-job.js';
import type { Project } from './project.js';
import type { QueueAddress } from './queue-url.js';

/** The sweep folder's record of its jobs, beside sweep.json: what `kd sweep status` and `collect` read. */
export const QUEUE_RECORD = 'queue.json';

/** One run of the sweep and its job. */
export interface QueuedRun {
  readonly cell: string;
  readonly seed: number;
  /** `<sweep>/<cell>/seed-<k>` under the workers' `--out`. */
  readonly run: string;
  readonly job: string;
  /** The run's config as the coordinator resolved it (for collecting without the coordinator's files). */
  readonly config: Record<string, unknown>;
}

export interface QueueRecord {
  readonly version: 1;
  /** The queue's URL without credentials (`--queue` gives them again). */
  readonly queue: string;
  readonly commit: string | null;
  readonly attempts: number;
  readonly runs: readonly QueuedRun[];
}

/** The record of a sweep enqueued at `address` (every run of the plan, finished ones too). */
export function queueRecordOf(plan: SweepPlan, address: QueueAddress, project: Project, attempts: number): QueueRecord {
  return {
    version: 1,
    queue: address.shown,
    commit: project.commit,
    attempts,
    runs: plan.runs.map((run) => {
      const data = runJobOf(plan, run, project);
      return { cell: run.cell, seed: run.seed, run: data.run, job: jobIdOf(data), config: { ...run.config } };
    }),
  };
}

export function writeQueueRecord(sweepDir: string, record: QueueRecord): void {
  ensureDir(sweepDir);
  const path = join(sweepDir, QUEUE_RECORD);
  withStorageErrors(path, () => {
    writeFileSync(`${path}.tmp`, JSON.stringify(record, null, 2) + '\n');
    renameSync(`${path}.tmp`, path);
  });
}

/** Reads a sweep folder's queue record; undefined when the sweep was not run on a queue. */
export function readQueueRecord(sweepDir: string): QueueRecord | undefined {
  const path = join(sweepDir, QUEUE_RECORD);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let record: QueueRecord;
  try {
    record = JSON.parse(text) as QueueRecord;
  } catch {
    throw new UserError(`${path} is not valid JSON`);
  }
  const ok =
    record?.version === 1 &&
    typeof record.queue === 'string' &&
    Array.isArray(record.runs) &&
    record.runs.every(
      (r) =>
        typeof r?.cell === 'string' &&
        Number.isInteger(r.seed) &&
        typeof r.run === 'string' &&
        typeof r.job === 'string' &&
        typeof r.config === 'object',
    );
  if (!ok) throw new UserError(`${path} is not a kd queue record (version 1 with runs[])`);
  return record;
}
