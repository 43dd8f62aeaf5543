import { describeResult, run, tempDir, type Result } from './processes.js';
import { npmEnv } from './npm-env.js';
import type { Registry } from './registry.js';
import { publishablePackages, stageWorkspace, type WorkspacePackage } from './workspace.js';

export interface Published {
  readonly name: string;
  readonly version: string;
  /** The staged folder it was published from. */
  readonly dir: string;
  readonly ms: number;
  /** npm's warnings while publishing it (e.g. fields it had to correct in package.json). */
  readonly warnings: readonly string[];
}

export interface PublishOptions {
  /**
   * true: prepack builds each package from its sources (clean dist/, `tsc -p tsconfig.lib.json`).
   * false (default): the staged copy holds the dist/ that nx built before the test, and prepack only
   * checks it (KD_PREPACK_BUILT=1); everything else is the same `npm publish`.
   */
  readonly build?: boolean;
  /** Packages published at once (default 2). */
  readonly jobs?: number;
  readonly timeoutMs?: number;
}

/**
 * `npm publish` of one package folder to the registry, as its author would (lifecycle scripts
 * included), with the registry's publish token. For a package from outside the workspace too.
 */
export function publishFolder(
  registry: Registry,
  dir: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Result> {
  return run('npm', ['publish', '--registry', registry.url], {
    cwd: dir,
    env: { ...npmEnv(registry.publisherNpmrc, registry.npmCache), ...options.env },
    timeoutMs: options.timeoutMs ?? 300_000,
  });
}

/**
 * Publishes every publishable workspace package to the registry from a staged copy of the workspace
 * (see `stageWorkspace`: the repository's own files stay as they are). Throws naming the first
 * package that failed.
 */
export async function publishWorkspace(registry: Registry, options: PublishOptions = {}): Promise<Published[]> {
  const build = options.build ?? false;
  const staged = stageWorkspace(tempDir('stage'), publishablePackages(), { withDist: !build });
  const env = build ? {} : { KD_PREPACK_BUILT: '1' };
  const queue = [...staged];
  const published: Published[] = [];
  const failures: string[] = [];
  const worker = async () => {
    for (let p: WorkspacePackage | undefined; (p = queue.shift()) !== undefined;) {
      const r = await publishFolder(registry, p.dir, { env, timeoutMs: options.timeoutMs });
      if (r.code !== 0) failures.push(describeResult(`npm publish of ${p.name}`, r));
      else {
        const warnings = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^npm warn/i.test(l));
        published.push({ name: p.name, version: p.version, dir: p.dir, ms: r.ms, warnings });
      }
    }
  };
  await Promise.all(Array.from({ length: options.jobs ?? 2 }, worker));
  if (failures.length) throw new Error(failures[0]);
  return published.sort((a, b) => a.name.localeCompare(b.name));
}
