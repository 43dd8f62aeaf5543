import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';

/**
 * Copies the folder `src` to `dest` so that readers see either no `dest` or a complete one: the
 * copy is made beside it and renamed into place. When another process has already published a
 * complete `dest` (per `complete`), theirs is kept and ours dropped; an incomplete one is replaced.
 * Used for the teacher cache, which two runs of a sweep may fill at the same time.
 */
export function publishDir(src: string, dest: string, complete: (dir: string) => boolean): void {
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(src, tmp, { recursive: true });
  if (existsSync(dest) && !complete(dest)) rmSync(dest, { recursive: true, force: true });
  try {
    renameSync(tmp, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    rmSync(tmp, { recursive: true, force: true }); // published by someone else meanwhile
  }
}
