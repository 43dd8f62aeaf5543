import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureDir, fsyncPath, fsyncTree, withStorageErrors } from '@kd/core';

/**
 * Folders that are replaced as a whole (a stage's `last/` and `best/` checkpoints) so that a process
 * killed at any instant leaves one complete copy to resume from:
 *
 *   1. the new content is written to `<dir>.tmp/`, then a marker file `.complete` inside it;
 *   2. the old `<dir>/` is renamed away to `<dir>.old/`;
 *   3. `<dir>.tmp/` is renamed to `<dir>/`;
 *   4. `<dir>.old/` is deleted.
 *
 * Renames are atomic, and a folder is only ever deleted once a complete successor exists, so
 * `recoverDir` can always finish or undo an interrupted replacement: it keeps a complete `<dir>/`,
 * else promotes a complete `<dir>.tmp/`, else restores `<dir>.old/`.
 */
export const COMPLETE_MARKER = '.complete';

/** The points of a replacement at which tests inject a crash (a throw from the hook). */
export type ReplacePoint = 'tmp-written' | 'tmp-complete' | 'old-moved' | 'new-in-place' | 'removing-old';

let faultHook: ((point: ReplacePoint, dir: string) => void) | undefined;

/** Test hook: called at each point of every replacement; throwing from it simulates a kill there. */
export function setReplaceFaultHook(hook: ((point: ReplacePoint, dir: string) => void) | undefined): void {
  faultHook = hook;
}

function isComplete(dir: string): boolean {
  return existsSync(join(dir, COMPLETE_MARKER));
}

/**
 * Finishes or undoes a replacement of `dir` that a crash interrupted (see above). `legacyComplete`
 * recognises a complete copy written before markers existed (kd's first checkpoints wrote
 * `<dir>.tmp/` and renamed it over a deleted `<dir>/`); an unmarked `<dir>/` is kept when nothing
 * better is there.
 */
export function recoverDir(dir: string, legacyComplete?: (d: string) => boolean): void {
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  if (!isComplete(dir)) {
    const successor = isComplete(tmp) ? tmp : isComplete(old) ? old : legacyComplete?.(tmp) ? tmp : undefined;
    if (successor) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(successor, dir);
    } else if (!existsSync(dir) && existsSync(old)) {
      renameSync(old, dir); // an unmarked earlier copy is better than none
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}

/**
 * Replaces the folder `dir` by what `write(tmpDir)` writes, atomically (see above). A full disk or a
 * read-only folder is a one-line `StorageError` naming the folder; the previous copy stays.
 */
export function replaceDir(dir: string, write: (tmpDir: string) => void): void {
  stageDir(dir, write);
  commitDir(dir);
}

/**
 * The first half of `replaceDir`: writes the successor `<dir>.tmp/` with its marker, durably, and
 * leaves `dir` as it is until `commitDir` (a stage keeps a new best/ staged until its last/ is in
 * place, so that the two always agree).
 */
export function stageDir(dir: string, write: (tmpDir: string) => void): void {
  withStorageErrors(`${dir}.tmp`, () => {
    recoverDir(dir);
    const tmp = `${dir}.tmp`;
    ensureDir(dirname(dir));
    mkdirSync(tmp, { recursive: true });
    write(tmp);
    faultHook?.('tmp-written', dir);
    writeFileSync(join(tmp, COMPLETE_MARKER), '');
    fsyncTree(tmp); // the content is on the device before any rename makes it the copy
    faultHook?.('tmp-complete', dir);
  });
}

/** Has `dir` a complete staged successor (`stageDir` done, `commitDir` not yet)? */
export function isStaged(dir: string): boolean {
  return isComplete(`${dir}.tmp`);
}

/** The second half of `replaceDir`: puts the staged `<dir>.tmp/` in place of `dir`. */
export function commitDir(dir: string): void {
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  withStorageErrors(dir, () => {
    if (existsSync(dir)) renameSync(dir, old);
    faultHook?.('old-moved', dir);
    renameSync(tmp, dir);
    fsyncPath(dirname(dir));
    faultHook?.('new-in-place', dir);
    if (existsSync(old)) {
      faultHook?.('removing-old', dir);
      rmSync(old, { recursive: true, force: true });
    }
  });
}
