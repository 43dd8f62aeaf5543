#!/usr/bin/env node
// npm `prepack` of every publishable package (npm runs it in the package folder, before it lists the
// files of `npm pack` and `npm publish`):
//   1. puts back package.json from a backup that an interrupted pack left behind;
//   2. empties dist/ and builds the package alone with `tsc -p tsconfig.lib.json` (siblings are read
//      from their sources through the `@kd/source` condition, so no build order is needed);
//      with KD_PREPACK_BUILT=1 the dist/ already there is packed as it is (the install test publishes a
//      copy of the workspace that nx has just built: building 21 packages again takes ~2 minutes);
//   3. writes the publish manifest (without `@kd/source`: src/ is not shipped) over package.json,
//      keeping the original as a backup that postpack.mjs (or postpublish) puts back.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readManifest, restoreManifest, writePublishManifest } from './manifest.mjs';

const dir = process.cwd();
if (restoreManifest(dir)) console.error('prepack: put back package.json from an interrupted pack');
const { name } = readManifest(dir);

if (process.env.KD_PREPACK_BUILT !== '1') {
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  const tsc = createRequire(join(dir, 'package.json')).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.lib.json'], { cwd: dir, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error(`prepack: ${name}: tsc -p tsconfig.lib.json failed`);
    process.exit(1);
  }
}
for (const file of ['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE']) {
  if (!existsSync(join(dir, file))) {
    console.error(`prepack: ${name}: ${file} is missing`);
    process.exit(1);
  }
}
writePublishManifest(dir);
