import { ensureDir, InterruptedError } from '@kd/core';
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Is process `pid` alive on this machine? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process holding the lock file `path` (-1: one that is just writing its pid), or undefined (no lock, or its owner has died). */
export function lockOwner(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const owner = Number.parseInt(text, 10);
  if (Number.isFinite(owner)) return alive(owner) ? owner : undefined;
  // created but its pid not yet written: held, unless it has stayed empty for long (a crash right there)
  try {
    return Date.now() - statSync(path).mtimeMs < 10_000 ? -1 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An exclusive lock file holding the owner's pid, so that two processes (e.g. two sweeps started
 * side by side) never train the same recipe or run into the same folder. A lock whose owner has died
 * is taken over: it is first renamed to a name of our own (one rename wins), and if what we took was
 * a live lock after all (someone renewed it meanwhile), it is put back. The release function removes
 * the file only while it still holds our pid. Returns undefined when a live process holds the lock.
 */
export function tryLock(path: string): (() => void) | undefined {
  ensureDir(dirname(path));
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, mine);
      closeSync(fd);
      return () => {
        if (readOrEmpty(path) === mine) rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (lockOwner(path) !== undefined) return undefined;
      const taken = `${path}.stale-${mine}-${attempt}`;
      try {
        renameSync(path, taken);
      } catch {
        continue; // another process took it over first
      }
      if (lockOwner(taken) !== undefined) {
        // a fresh lock replaced the stale one before our rename: give it back
        try {
          linkSync(taken, path);
        } catch {
          /* a third process has locked meanwhile; the lock we took is gone */
        }
        rmSync(taken, { force: true });
        return undefined;
      }
      rmSync(taken, { force: true });
    }
  }
  return undefined;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * For work that one process does and others reuse (a cached teacher, a recipe): returns undefined as
 * soon as `ready()` (someone made it), or the lock's release function once this process holds the
 * lock and it is still not ready (then it is this process's to make). While another live process holds
 * the lock it waits, telling `onWait` once, and stops with the signal's reason when aborted.
 */
export async function lockUnlessReady(
  lockPath: string,
  ready: () => boolean,
  options: { readonly onWait: () => void; readonly signal?: AbortSignal; readonly pollMs?: number },
): Promise<(() => void) | undefined> {
  let waited = false;
  for (;;) {
    if (ready()) return undefined;
    const release = tryLock(lockPath);
    if (release) {
      if (!ready()) return release;
      release(); // made while we were taking the lock
      return undefined;
    }
    if (!waited) options.onWait();
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
    if (options.signal?.aborted)
      throw options.signal.reason instanceof Error ? options.signal.reason : new InterruptedError();
  }
}
