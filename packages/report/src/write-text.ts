import { ensureDir, withStorageErrors } from '@kd/core';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a whole file (a report, a chart) so that a reader sees the old content or the new, never a
 * part: to `<path>.tmp-<pid>`, then renamed over it. A full disk or a read-only folder is a one-line
 * `StorageError` naming the file.
 */
export function writeTextAtomic(path: string, text: string): void {
  ensureDir(dirname(path));
  const tmp = `${path}.tmp-${process.pid}`;
  withStorageErrors(path, () => {
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  });
}
