import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from './errors.js';

/** Errors of the machine rather than of kd: what to tell the user, by errno code. */
const ENVIRONMENT: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'a file of that name is in the way',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error of the device',
};

/** A file-system failure caused by the environment (disk full, read-only, a file in the way). */
export class StorageError extends UserError {
  override readonly name = 'StorageError';
  constructor(
    readonly code: string,
    readonly path: string,
    /** `write` where kd was writing; `access` where it is not known what failed (a read, a stat, …). */
    readonly verb: 'write' | 'access' = 'write',
  ) {
    super(`cannot ${verb} ${path}: ${ENVIRONMENT[code] ?? code} (${code})`);
  }
}

/** Is `e` a Node file-system error whose cause is the environment (see the table above)? */
export function isEnvironmentError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return (
    e instanceof Error &&
    typeof (e as NodeJS.ErrnoException).code === 'string' &&
    (e as NodeJS.ErrnoException).code! in ENVIRONMENT
  );
}

/**
 * Runs a file operation on `path`; an environment failure (disk full, read-only folder, a file where
 * a folder should be, …) becomes a one-line `StorageError` naming the path — the error's own path
 * when it has one (the deepest folder that failed), else `path` (writes report none).
 */
export function withStorageErrors<T>(path: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    if (isEnvironmentError(e)) throw new StorageError(e.code, e.path ?? path);
    throw e;
  }
}

/**
 * `mkdir -p` that reports the real cause: Node's recursive mkdir says ENOENT when a folder cannot be
 * made in a read-only or unwritable parent; creating the missing levels one by one gives EROFS,
 * EACCES or ENOTDIR instead. Failures are `StorageError`s naming the folder that could not be made.
 */
export function ensureDir(path: string): void {
  if (existsSync(path)) {
    withStorageErrors(path, () => mkdirSync(path, { recursive: true })); // EEXIST when it is a file
    return;
  }
  const missing: string[] = [];
  for (let p = path; !existsSync(p) && dirname(p) !== p; p = dirname(p)) missing.unshift(p);
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && existsSync(p)) continue; // made meanwhile
      if (isEnvironmentError(e) || (e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new StorageError((e as NodeJS.ErrnoException).code!, p);
      throw e;
    }
  }
}
