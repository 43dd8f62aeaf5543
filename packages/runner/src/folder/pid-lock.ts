import { ensureDir } from '@kd/core';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
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
 * is taken over. Returns a release function, or undefined when a live process holds the lock.
 */
export function tryLock(path: string): (() => void) | undefined {
  ensureDir(dirname(path));
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (lockOwner(path) !== undefined) return undefined;
      rmSync(path, { force: true }); // stale: its owner is gone (or it vanished meanwhile)
    }
  }
  return undefined;
}
