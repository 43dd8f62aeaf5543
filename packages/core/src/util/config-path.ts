import { isAbsolute, resolve } from 'node:path';

/**
 * A file path from a config, resolved against the folder the config was read from (`baseDir`, given
 * to datasets and architectures by the run); absolute paths stay as they are, and without a
 * `baseDir` a relative path means the working directory.
 */
export function resolveConfigPath(baseDir: string | undefined, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir ?? '.', path);
}
