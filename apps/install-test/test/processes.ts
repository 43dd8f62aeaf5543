import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a child process ended, with everything it printed. */
export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (with its children) after this long; the result then has code 124. */
  readonly timeoutMs?: number;
}

const running = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** Kills a child started by `start` or `run` together with its own children (its process group). */
export function killTree(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Starts a long-lived child in its own process group; `cleanUp()` kills it if it is still running. */
export function start(command: string, args: readonly string[], options: RunOptions): ChildProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: 'pipe' });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

/** Runs a command to its end and collects its output; never rejects (a spawn error is code 127). */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<Result> {
  const t0 = Date.now();
  return new Promise((done) => {
    const child = start(command, args, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killTree(child);
          }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ code: 127, stdout, stderr: `${stderr}${e.message}\n`, ms: Date.now() - t0 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const note = timedOut ? `killed after ${options.timeoutMs} ms: ${command} ${args.join(' ')}\n` : '';
      done({ code: timedOut ? 124 : (code ?? 1), stdout, stderr: stderr + note, ms: Date.now() - t0 });
    });
  });
}

/** A new folder under the system's temp folder, removed by `cleanUp()`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `kd-install-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/**
 * Kills every child still running (registry included) and removes the temp folders; for `afterAll`.
 * KD_KEEP_TEMP=1 keeps the folders to look at.
 */
export async function cleanUp(): Promise<void> {
  const children = [...running];
  for (const child of children) killTree(child);
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)),
    ),
  );
  if (process.env.KD_KEEP_TEMP === '1') return;
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** One line of a failed command for an assertion message: its code and the end of its output. */
export function describeResult(what: string, r: Result): string {
  const tail = (s: string) => s.trim().split('\n').slice(-20).join('\n');
  return `${what} exited ${r.code} after ${r.ms} ms\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`;
}
