import { UserError, z } from '@kd/core';
import { parseRunConfig, type RunConfig, type SweepPlan, type SweepRun } from '@kd/runner';
import { createHash } from 'node:crypto';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import type { Project } from './project.js';

/** The payload format; a worker refuses other versions. */
export const RUN_JOB_VERSION = 1;

/**
 * What a queued job carries: data, never a command. The worker runs `kd run` on `config` (validated
 * exactly like a local run's) into `<its --out>/<run>`; nothing in the payload names a program, a
 * host path to write, or an option of the child process.
 */
export interface RunJobData {
  readonly version: typeof RUN_JOB_VERSION;
  /** `<sweep>/<cell>/seed-<k>`, relative to the worker's `--out`. */
  readonly run: string;
  readonly seed: number;
  /** The coordinator's commit (`projectOf`); a worker at another commit leaves the job for a matching one. */
  readonly commit: string | null;
  /**
   * The run's resolved config, `baseDir` relative to the project folder (each worker resolves it in
   * its own checkout), without `outDir`/`cacheDir` (the worker's `--out` decides where runs go).
   */
  readonly config: Record<string, unknown>;
}

/** The job's relative run folder: `<sweep>/<cell>/seed-<k>`. */
export function runPathOf(plan: SweepPlan, run: SweepRun): string {
  return `${plan.name}/${run.cell}/seed-${run.seed}`;
}

/** The config's folder relative to the project, `/`-separated; a folder outside the project cannot travel. */
function portableBaseDir(baseDir: string, project: Project, cell: string): string {
  const rel = relative(project.root, resolve(baseDir));
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new UserError(
      `sweep cell '${cell}': its config's folder ${baseDir} is outside the project folder ${project.root}; ` +
        'workers read config paths in their own checkout, so keep the config files inside the project',
    );
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/** The job of one run of a planned sweep. */
export function runJobOf(plan: SweepPlan, run: SweepRun, project: Project): RunJobData {
  const { outDir: _o, cacheDir: _c, baseDir, ...config } = run.config;
  return {
    version: RUN_JOB_VERSION,
    run: runPathOf(plan, run),
    seed: run.seed,
    commit: project.commit,
    config: { ...config, ...(baseDir !== undefined ? { baseDir: portableBaseDir(baseDir, project, run.cell) } : {}) },
  };
}

/**
 * The job's id: its run folder and a hash of everything it carries. Enqueuing the same sweep again
 * finds the same jobs (no duplicates); a changed config or commit makes new ones.
 */
export function jobIdOf(data: RunJobData): string {
  const hash = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
  return `${data.run}#${hash}`;
}

/** The commit a payload claims (read before anything else: a job of another commit is left alone, not judged). */
export function commitOfJob(data: unknown): string | null | undefined {
  if (typeof data !== 'object' || data === null || !('commit' in data)) return undefined;
  const commit = (data as { commit: unknown }).commit;
  return typeof commit === 'string' || commit === null ? commit : undefined;
}

const RunJobSchema = z
  .object({
    version: z.literal(RUN_JOB_VERSION),
    run: z.string().min(1).max(400),
    seed: z.number().int().min(0),
    commit: z.string().max(200).nullable(),
    config: z.record(z.string(), z.unknown()),
  })
  .strict();

function payloadError(error: z.ZodError): UserError {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') return new UserError(`payload field '${issue.keys[0]}': unknown key`);
  if (!field) return new UserError(`payload: ${issue.message} (a kd run job is {version, run, seed, commit, config})`);
  return new UserError(`payload field '${field}': ${issue.message}`);
}

/** Where a worker puts what it runs. */
export interface WorkerPlaces {
  /** Absolute `--out`: run folders go to `<out>/<run>`. */
  readonly out: string;
  /** Absolute cache folder for teachers and recipes. */
  readonly cacheDir: string;
  readonly project: Project;
}

const RUN_PATH = /^([^/\\\0]+)\/([^/\\\0]+)\/seed-(\d+)$/;

/** Checks a job's run path: `<sweep>/<cell>/seed-<seed>`, relative, staying inside `out`. */
function runDirOf(run: string, seed: number, out: string): { cell: string; runDir: string } {
  const shape = 'it must be <sweep>/<cell>/seed-<k> inside --out';
  if (isAbsolute(run) || /^[A-Za-z]:/.test(run) || run.startsWith('\\'))
    throw new UserError(`run path '${run}' is absolute; ${shape}`);
  const segments = run.split(/[/\\]/);
  if (segments.some((s) => s === '..')) throw new UserError(`run path '${run}' leaves --out; ${shape}`);
  const match = RUN_PATH.exec(run);
  if (!match || segments.some((s) => s === '.')) throw new UserError(`run path '${run}': ${shape}`);
  if (Number(match[3]) !== seed) throw new UserError(`run path '${run}' is not of the job's seed ${seed}`);
  const runDir = resolve(out, ...segments);
  if (!runDir.startsWith(out + sep)) throw new UserError(`run path '${run}' leaves --out; ${shape}`);
  return { cell: match[2]!, runDir };
}

/** The config's `baseDir` in this worker's checkout; it may not leave the project folder. */
function localBaseDir(raw: unknown, project: Project): string {
  if (raw === undefined) return project.root;
  if (typeof raw !== 'string') throw new UserError(`config field 'baseDir': expected a relative path`);
  if (isAbsolute(raw) || /^[A-Za-z]:/.test(raw) || raw.includes('\\') || raw.includes('\0'))
    throw new UserError(`config field 'baseDir': '${raw}' must be relative to the project folder`);
  const local = resolve(project.root, ...posix.normalize(raw).split('/'));
  const rel = relative(project.root, local);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new UserError(`config field 'baseDir': '${raw}' leaves the project folder`);
  return local;
}

/**
 * Validates a job's payload as data and turns it into a run of this worker: the strict envelope, a
 * run path inside `--out`, and the config through the same `parseRunConfig` as a local run, with
 * its output and cache folders forced under this worker's and its `baseDir` resolved in this
 * checkout. Anything else is a one-line UserError (the job fails with it, without retries).
 */
export function acceptRunJob(data: unknown, places: WorkerPlaces): SweepRun {
  const parsed = RunJobSchema.safeParse(data);
  if (!parsed.success) throw payloadError(parsed.error);
  const job = parsed.data;
  const { cell, runDir } = runDirOf(job.run, job.seed, places.out);
  if (job.config['seed'] !== undefined && job.config['seed'] !== job.seed)
    throw new UserError(`config field 'seed': ${String(job.config['seed'])} is not the job's seed ${job.seed}`);
  for (const key of ['outDir', 'cacheDir'])
    if (key in job.config)
      throw new UserError(`config field '${key}': not allowed in a job (the worker's --out decides)`);
  const config: RunConfig = parseRunConfig({
    ...job.config,
    seed: job.seed,
    baseDir: localBaseDir(job.config['baseDir'], places.project),
    outDir: places.out,
    cacheDir: places.cacheDir,
  });
  return { cell, seed: job.seed, runDir, config };
}
