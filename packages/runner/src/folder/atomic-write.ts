import { fsyncPath, withStorageErrors } from '@kd/core';
import { appendFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a whole file so that readers see the old content or the new, never a part: the text goes
 * to `<path>.tmp-<pid>` first and is renamed over `path`. A full disk or read-only folder is a
 * one-line `StorageError` naming the file, and leaves the old file as it was.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  withStorageErrors(path, () => {
    try {
      writeFileSync(tmp, data);
      fsyncPath(tmp);
      renameSync(tmp, path);
      fsyncPath(dirname(path));
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  });
}

/** Appends one line (e.g. a metrics record); storage failures name the file. */
export function appendLine(path: string, line: string): void {
  withStorageErrors(path, () => appendFileSync(path, line + '\n'));
}
