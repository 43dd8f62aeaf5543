import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeResult, run, tempDir, type Result } from './processes.js';
import { npmEnv } from './npm-env.js';
import type { Registry } from './registry.js';

/** A user's own project in a temp folder, whose npm knows only the local registry. */
export interface Project {
  readonly dir: string;
  /** The environment of every command run in it (see `npmEnv`). */
  readonly env: NodeJS.ProcessEnv;
  readonly registry: Registry;
}

export interface ProjectOptions {
  /** The project's package name (npm init's default: the folder's name). */
  readonly name?: string;
  readonly timeoutMs?: number;
}

/**
 * `npm init -y` in a fresh temp folder with its own .npmrc naming only `registry`, `"type": "module"`,
 * then `npm install ...deps` (none: an empty project). Throws with npm's output when a step fails.
 */
export async function makeProject(
  registry: Registry,
  deps: readonly string[],
  options: ProjectOptions = {},
): Promise<Project> {
  const dir = join(tempDir('project'), options.name ?? 'my-project');
  mkdirSync(dir);
  writeFileSync(join(dir, '.npmrc'), `registry=${registry.url}\n`);
  // npm reads the project's .npmrc; this (empty) user config keeps the user's ~/.npmrc out.
  const userconfig = join(dirname(dir), 'user.npmrc');
  writeFileSync(userconfig, '');
  const project: Project = { dir, env: npmEnv(userconfig, registry.npmCache), registry };
  for (const step of [
    ['init', '-y'],
    ['pkg', 'set', 'type=module'],
  ]) {
    const r = await npm(project, step);
    if (r.code !== 0) throw new Error(describeResult(`npm ${step.join(' ')}`, r));
  }
  if (deps.length) {
    const r = await npm(project, ['install', ...deps], options.timeoutMs ?? 600_000);
    if (r.code !== 0) throw new Error(describeResult(`npm install ${deps.join(' ')}`, r));
  }
  return project;
}

/** `npm ...args` in the project. */
export function npm(project: Project, args: readonly string[], timeoutMs = 600_000): Promise<Result> {
  return run('npm', args, { cwd: project.dir, env: project.env, timeoutMs });
}

/** `npx --no ...args` in the project: runs an installed bin, never downloads one. */
export function npx(project: Project, args: readonly string[], timeoutMs = 300_000): Promise<Result> {
  return run('npx', ['--no', ...args], { cwd: project.dir, env: project.env, timeoutMs });
}

/** Writes `source` to `file` in the project (folders made) and returns its path. */
export function writeProjectFile(project: Project, file: string, source: string): string {
  const path = join(project.dir, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, source);
  return path;
}

/** `node file ...args` in the project (a script the user wrote). */
export function node(
  project: Project,
  file: string,
  args: readonly string[] = [],
  timeoutMs = 300_000,
): Promise<Result> {
  return run(process.execPath, [file, ...args], { cwd: project.dir, env: project.env, timeoutMs });
}
