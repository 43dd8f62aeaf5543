import { InterruptedError } from '@kd/core';
import { RUN_LOG, RunFolder, upgradeSummary, type RunExecutor, type RunOutcome, type SweepRun } from '@kd/runner';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { EXIT_BUSY } from '../errors.js';
import { KD_MAIN } from './kd-main.js';

export interface ChildExecutorOptions {
  /** Passed on to each child (`--stop-after-epochs`, interruption tests). */
  readonly stopAfterEpochs?: number;
  /**
   * Give each child an IPC channel to this process, so that it stops (after its step, resumable) when
   * this process dies without stopping it — a `kd worker` killed with SIGKILL (`stop-with-parent.ts`).
   */
  readonly stopWithParent?: boolean;
  /** Who runs it, for the run's log.txt (default `kd sweep`). */
  readonly origin?: string;
  /**
   * How many children run at once (default 1): each gets KD_THREADS = cores / jobs (at least 1)
   * for kd's native kernels, unless KD_THREADS is set.
   */
  readonly jobs?: number;
}

/** KD_THREADS for each of `jobs` children running at once: the cores shared out, unless the user set it. */
export function childThreads(
  jobs: number,
  env: NodeJS.ProcessEnv = process.env,
  cores = availableParallelism(),
): string {
  return env.KD_THREADS ?? String(Math.max(1, Math.floor(cores / Math.max(1, jobs))));
}

/**
 * One numeric thread per child: the wasm backend has one anyway; tfjs-node (where installed) and
 * BLAS libraries read these, so N children on N cores do not fight over threads.
 */
const ONE_THREAD = { TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1', OMP_NUM_THREADS: '1' };

/** The end of the log from `start` on (what this child wrote), at most `max` bytes. */
function tailOf(log: number, start: number, max = 4000): string {
  const end = fstatSync(log).size;
  const from = Math.max(start, end - max);
  const buffer = Buffer.alloc(end - from);
  readSync(log, buffer, 0, buffer.length, from);
  return buffer.toString('utf8');
}

/** The last `kd: …` line a child wrote on stderr: its one-line reason for failing. */
function reasonOf(stderrTail: string, code: number | null, signal: NodeJS.Signals | null): string {
  const lines = stderrTail.split('\n').filter((l) => l.trim());
  const said = lines.filter((l) => l.startsWith('kd: ')).pop();
  if (said) return said.slice(4);
  return signal ? `killed by ${signal}` : `exit code ${code}${lines.length ? `: ${lines.pop()}` : ''}`;
}

/**
 * Runs each sweep run as a child `kd run - --run-dir <dir>` process (the resolved config on its
 * standard input, validated again there like any config), with its progress and messages in the run
 * folder's log.txt instead of this terminal (stdout and stderr both go to the file, so a child
 * outliving this process still logs there). Children run in their own process group: Ctrl-C reaches
 * only the sweep, which passes one signal on to each child, so each stops after its current step and
 * stays resumable.
 */
export function childExecutor(options: ChildExecutorOptions = {}): RunExecutor {
  const live = new Set<ChildProcess>();
  // if the sweep quits without waiting (a second Ctrl-C), its children quit too
  process.once('exit', () => {
    for (const child of live) child.kill('SIGTERM');
  });
  return {
    maxConcurrency: Number.POSITIVE_INFINITY,
    execute(run: SweepRun, signal?: AbortSignal): Promise<RunOutcome> {
      mkdirSync(run.runDir, { recursive: true });
      const log = openSync(join(run.runDir, RUN_LOG), 'a+');
      writeSync(log, `# ${new Date().toISOString()} ${options.origin ?? 'kd sweep'}: ${run.cell} seed ${run.seed}\n`);
      const start = fstatSync(log).size;
      const args = [KD_MAIN, 'run', '-', '--run-dir', run.runDir];
      if (options.stopAfterEpochs !== undefined) args.push('--stop-after-epochs', String(options.stopAfterEpochs));
      const child = spawn(process.execPath, args, {
        stdio: options.stopWithParent ? ['pipe', log, log, 'ipc'] : ['pipe', log, log],
        detached: true,
        env: { ...process.env, ...ONE_THREAD, KD_THREADS: childThreads(options.jobs ?? 1), FORCE_COLOR: '0' },
      });
      live.add(child);
      child.stdin!.on('error', () => {}); // a child that exits early closes its stdin; its exit code tells why
      child.stdin!.end(JSON.stringify(run.config));
      const forward = () => {
        const reason = signal?.reason;
        child.kill(reason instanceof InterruptedError && reason.signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
      };
      if (signal?.aborted) forward();
      else signal?.addEventListener('abort', forward, { once: true });
      return new Promise((resolve) => {
        child.on('close', (code, killedBy) => {
          live.delete(child);
          signal?.removeEventListener('abort', forward);
          const tail = tailOf(log, start);
          writeSync(log, `# exit ${code ?? killedBy}\n`);
          closeSync(log);
          resolve(outcomeOf(run, code, killedBy, tail));
        });
        child.on('error', (e) => {
          live.delete(child);
          closeSync(log);
          resolve({ kind: 'failed', error: `cannot start kd: ${e.message}` });
        });
      });
    },
  };
}

function outcomeOf(run: SweepRun, code: number | null, signal: NodeJS.Signals | null, tail: string): RunOutcome {
  if (code === 0) {
    const folder = new RunFolder(run.runDir);
    if (!existsSync(folder.summaryPath)) return { kind: 'incomplete' };
    return { kind: 'finished', summary: upgradeSummary(folder.readJson('summary.json')) };
  }
  if (code === EXIT_BUSY) return { kind: 'busy' };
  if (code === 130 || code === 143) return { kind: 'interrupted' };
  return { kind: 'failed', error: reasonOf(tail, code, signal) };
}
