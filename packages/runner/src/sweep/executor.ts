import type { RunSummary } from '../folder/run-summary.js';
import type { SweepRun } from './plan.js';

/** How one run of a sweep ended, as the sweep needs to know it. */
export type RunOutcome =
  /** Trained (or found finished): its summary. */
  | { readonly kind: 'finished'; readonly summary: RunSummary }
  /** Failed: a one-line reason for the results table; the rest of the sweep goes on. */
  | { readonly kind: 'failed'; readonly error: string }
  /** Ended without completing and without an error (stopped after a set number of epochs): resumable. */
  | { readonly kind: 'incomplete' }
  /** Another process holds the run folder (a second `kd sweep` on it): look again later. */
  | { readonly kind: 'busy' }
  /** Stopped by Ctrl-C / SIGTERM, resumable: the sweep starts nothing more. */
  | { readonly kind: 'interrupted' };

/**
 * What carries out one run of a sweep: in this process, in a child `kd run` process, or on a worker
 * through a job queue. The sweep plans, schedules, collects and tabulates; the executor only runs.
 */
export interface RunExecutor {
  /**
   * How many runs it may carry out at once: 1 in process (TensorFlow.js holds one engine per
   * process), any number for child processes or queue workers.
   */
  readonly maxConcurrency: number;
  execute(run: SweepRun, signal?: AbortSignal): Promise<RunOutcome>;
}
