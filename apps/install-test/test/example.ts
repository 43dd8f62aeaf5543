import { cpSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from './processes.js';
import { ROOT } from './workspace.js';

/**
 * A copy of an outside package folder (e.g. examples/kd-plugin-example) in a temp folder, without
 * its dist/ and node_modules, whose node_modules links to the repository's (its `prepack` runs the
 * repository's tsc against kd's built types), so publishing it builds it there and leaves the
 * repository's copy alone while other tests build and read it.
 */
export function stageExample(dir: string): string {
  const dest = join(tempDir('outside-package'), basename(dir));
  cpSync(dir, dest, {
    recursive: true,
    filter: (src) => !['dist', 'node_modules'].includes(basename(src)),
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dest, 'node_modules'), 'dir');
  return dest;
}
