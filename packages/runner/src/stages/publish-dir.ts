import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { entryProblem, writeEntryManifest } from './cache-entry.js';

/**
 * Copies the folder `src` to `dest` so that readers see either no `dest` or a complete one: the
 * copy is made beside it, given a manifest of its files (sizes and checksums, `cache-entry.ts`), and
 * renamed into place. When another process has already published a complete, intact `dest`, theirs
 * is kept and ours dropped; a damaged or incomplete one is replaced. Used for the teacher cache,
 * which two runs of a sweep may fill at the same time.
 */
export function publishDir(src: string, dest: string): void {
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(src, tmp, { recursive: true });
  writeEntryManifest(tmp);
  if (existsSync(dest) && entryProblem(dest) !== undefined) rmSync(dest, { recursive: true, force: true });
  try {
    renameSync(tmp, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    rmSync(tmp, { recursive: true, force: true }); // published by someone else meanwhile
  }
}
