import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** The code a coordinator or worker runs: its project folder and git commit. */
export interface Project {
  /** The git checkout's top folder, or the working folder outside git: config paths travel relative to it. */
  readonly root: string;
  /**
   * `git rev-parse HEAD`, with `+dirty.<hash of the uncommitted changes>` when tracked files differ
   * from it (two checkouts with the same edits match; any other edit does not); null outside git.
   */
  readonly commit: string | null;
}

function git(cwd: string, args: readonly string[]): Buffer {
  return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
}

/**
 * The project `kd` runs in, from the working folder: a job carries the coordinator's commit and a
 * worker runs only jobs of its own, so every run of a sweep trains the same code.
 */
export function projectOf(cwd: string = process.cwd()): Project {
  let root: string;
  try {
    root = resolve(git(cwd, ['rev-parse', '--show-toplevel']).toString().trim());
  } catch {
    return { root: resolve(cwd), commit: null }; // not a git checkout (or no git)
  }
  let head: string;
  try {
    head = git(root, ['rev-parse', 'HEAD']).toString().trim();
  } catch {
    return { root, commit: null }; // a repository without commits
  }
  const diff = git(root, ['diff', 'HEAD', '--binary']);
  if (diff.length === 0) return { root, commit: head };
  return { root, commit: `${head}+dirty.${createHash('sha256').update(diff).digest('hex').slice(0, 12)}` };
}
