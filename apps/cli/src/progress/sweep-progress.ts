import type { RunOutcome, RunStatus, SweepPlan, SweepRun } from '@kd/runner';
import cliProgress from 'cli-progress';
import { formatDuration } from './format.js';
import type { ProgressMode } from './reporter.js';

/** Where a sweep stands: counts of runs, and an estimate of the time left. */
export interface SweepCounts {
  readonly total: number;
  readonly done: number;
  readonly running: number;
  readonly failed: number;
  readonly left: number;
  /** Seconds left, estimated from the runs finished in this invocation; undefined before the first. */
  readonly eta?: number;
}

/** One line: `3/8 done · 2 running · 0 failed · 3 left · ETA 4m10s`. */
export function countsLine(c: SweepCounts): string {
  return `${c.done}/${c.total} done · ${c.running} running · ${c.failed} failed · ${c.left} left · ETA ${
    c.eta === undefined ? '?' : formatDuration(c.eta)
  }`;
}

/**
 * Counts runs as the sweep reports them and estimates the time left: the mean time of a run finished
 * here, times the runs not started plus what the running ones have still to go, over the lanes.
 */
export class SweepTally {
  private total = 0;
  private done = 0;
  private failed = 0;
  private readonly started = new Map<SweepRun, number>();
  private readonly durations: number[] = [];

  constructor(
    private readonly jobs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(plan: SweepPlan, statuses: readonly RunStatus[]): void {
    this.total = plan.runs.length;
    this.done = statuses.filter((s) => s === 'finished').length;
  }
  runStarted(run: SweepRun): void {
    this.started.set(run, this.now());
  }
  runEnded(run: SweepRun, outcome: RunOutcome): number {
    const seconds = (this.now() - (this.started.get(run) ?? this.now())) / 1000;
    this.started.delete(run);
    if (outcome.kind === 'finished') {
      this.done++;
      this.durations.push(seconds);
    } else if (outcome.kind === 'failed') this.failed++;
    return seconds;
  }
  counts(): SweepCounts {
    const running = this.started.size;
    const left = Math.max(0, this.total - this.done - this.failed - running);
    if (this.durations.length === 0) return { total: this.total, done: this.done, running, failed: this.failed, left };
    const mean = this.durations.reduce((a, b) => a + b, 0) / this.durations.length;
    const t = this.now();
    const runningLeft = [...this.started.values()].reduce((a, s) => a + Math.max(0, mean - (t - s) / 1000), 0);
    const eta = (left * mean + runningLeft) / Math.max(1, Math.min(this.jobs, left + running));
    return { total: this.total, done: this.done, running, failed: this.failed, left, eta };
  }
}

/** The sweep's one overall progress display: a bar on a terminal, a line per event otherwise. */
export interface SweepProgress {
  readonly tally: SweepTally;
  /** A status line above the bar (or a plain line). */
  log(line: string): void;
  /** The counts as a line of their own where there is no bar to show them (plain lines, CI). */
  logCounts(): void;
  /** Redraws the bar from the tally (and on a timer while runs go on). */
  update(): void;
  close(): void;
}

export function sweepProgress(
  mode: ProgressMode,
  jobs: number,
  stream: NodeJS.WriteStream = process.stderr,
): SweepProgress {
  const tally = new SweepTally(jobs);
  if (mode === 'quiet') return { tally, log: () => {}, logCounts: () => {}, update: () => {}, close: () => {} };
  if (mode === 'lines') {
    const log = (line: string) => void stream.write(line + '\n');
    return {
      tally,
      log,
      logCounts: () => log(`sweep: ${countsLine(tally.counts())}`),
      update: () => {},
      close: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'sweep |{bar}| {counts}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      gracefulExit: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let active = false;
  const update = () => {
    const c = tally.counts();
    if (!active) {
      bar.start(Math.max(1, c.total), c.done + c.failed, { counts: countsLine(c) });
      active = true;
    } else bar.update(c.done + c.failed, { counts: countsLine(c) });
  };
  const timer = setInterval(update, 1000);
  timer.unref();
  return {
    tally,
    log: (line) => {
      if (!active) return void stream.write(line + '\n');
      // print above the bar: clear its line, write, redraw
      stream.write('\r\x1b[2K' + line + '\n');
      bar.render();
    },
    logCounts: () => {}, // the bar shows them
    update,
    close: () => {
      clearInterval(timer);
      if (active) bar.stop();
      active = false;
    },
  };
}
