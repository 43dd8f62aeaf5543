import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Flushes a file or a folder (its list of names) to the device, so that a rename that follows it is
 * durable across a power loss or an OS crash, not only across a killed process. Folders that the
 * platform cannot open for syncing are skipped.
 */
export function fsyncPath(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Flushes every file directly in `dir`, then `dir` itself. */
export function fsyncTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile()) fsyncPath(join(dir, e.name));
    else if (e.isDirectory()) fsyncTree(join(dir, e.name));
  }
  fsyncPath(dir);
}
