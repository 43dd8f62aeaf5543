import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describeResult, run, tempDir, type Result } from './processes.js';
import { npmEnv } from './npm-env.js';

/** One entry of `npm pack --json`. */
export interface PackReport {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly files: readonly { path: string; size: number }[];
}

let scratch: { userconfig: string; cache: string } | undefined;
function packEnv(): NodeJS.ProcessEnv {
  if (!scratch) {
    const dir = tempDir('pack');
    scratch = { userconfig: join(dir, 'user.npmrc'), cache: join(dir, 'npm-cache') };
    writeFileSync(scratch.userconfig, '');
  }
  return npmEnv(scratch.userconfig, scratch.cache);
}

/**
 * `npm pack --json` in a package folder: with `dryRun` nothing is written, with `ignoreScripts` the
 * prepack build does not run (the files are listed from the dist/ there). The tarball (when
 * written) goes to `destination`.
 */
export async function pack(
  dir: string,
  options: { dryRun?: boolean; ignoreScripts?: boolean; destination?: string } = {},
): Promise<{ report: PackReport; result: Result }> {
  const args = ['pack', '--json'];
  if (options.dryRun) args.push('--dry-run');
  if (options.ignoreScripts) args.push('--ignore-scripts');
  if (options.destination) args.push('--pack-destination', options.destination);
  const result = await run('npm', args, { cwd: dir, env: packEnv(), timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(describeResult(`npm ${args.join(' ')} in ${dir}`, result));
  // lifecycle scripts print to stdout before the JSON
  const json = result.stdout.slice(result.stdout.indexOf('\n[') + 1 || result.stdout.indexOf('['));
  return { report: (JSON.parse(json) as PackReport[])[0]!, result };
}

/** The text of one file inside a .tgz written by npm pack (e.g. "package/package.json"). */
export async function fileInTarball(tarball: string, path: string): Promise<string> {
  const r = await run('tar', ['-xzOf', tarball, path], { cwd: tempDir('untar'), timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(describeResult(`tar -xzOf ${tarball} ${path}`, r));
  return r.stdout;
}
