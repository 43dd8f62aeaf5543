import { ConfigError, type DependencyContainer } from '@kd/core';
import type { Numerics } from '@kd/tfjs-runtime';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../config/canonical-json.js';
import { configPath, loadConfigFile } from '../config/load-config.js';
import { lockUnlessReady } from '../folder/pid-lock.js';
import type { ModelInits, RunConfig, TeacherConfig } from '../config/schema.js';
import { entryProblem } from './cache-entry.js';

/**
 * A recipe is a run config that produces a model: its saved student. A teacher "by recipe"
 * (`teacher.recipe: other.yaml`: the CLIP-like teacher, a VL pre-training run) and a student's
 * initial weights (`student.init.recipe`: a pre-trained encoder) both come from one. The recipe runs
 * once; its run folder lives in `<cacheDir>/recipes/<key>`, keyed by everything that determines its
 * weights, and every later run (any seed, any sweep cell) loads the recipe's saved student from there.
 */

/**
 * The run config a recipe field (`field`, e.g. `teacher.recipe`, `student.init.recipe`) names, read
 * before any file is written; a relative path is resolved against the naming config's `baseDir` (its
 * file's folder). A problem is a ConfigError at `field`.
 */
export function loadRecipeConfig(field: string, path: string, naming: Pick<RunConfig, 'baseDir'>): RunConfig {
  try {
    return loadConfigFile(configPath(naming, path));
  } catch (e) {
    const m = (e as Error).message;
    throw new ConfigError(field, e instanceof ConfigError ? `${path}: ${m.replace(/^config /, '')}` : m);
  }
}

/** A teacher's recipe, checked against the teacher entry that names it: its student is that teacher. */
export function loadRecipe(where: string, tc: TeacherConfig, naming: Pick<RunConfig, 'baseDir'>): RunConfig {
  const recipe = loadRecipeConfig(`${where}.recipe`, tc.recipe!, naming);
  if (recipe.student.arch !== tc.arch) {
    throw new ConfigError(
      `${where}.arch`,
      `'${tc.arch}' differs from the recipe's student '${recipe.student.arch}' (${tc.recipe})`,
    );
  }
  if (canonicalJson(recipe.student.options) !== canonicalJson(tc.options)) {
    throw new ConfigError(
      `${where}.options`,
      `differ from the recipe's student options (${tc.recipe}: ${canonicalJson(recipe.student.options)})`,
    );
  }
  return recipe;
}

/**
 * Cache key of a recipe: its parsed config without the fields that only say where things go (its
 * `baseDir` stays: relative paths in it are read from there; `plugins` stays when it names any), and the numerics (backend and kernel
 * build) it trains with — another build rounds differently. A recipe that names other recipes
 * (`teacher.recipe`, a `recipe` source of `student.init` / `teacher.init`: a chain such as pre-training →
 * adaptation → fine-tuning) is keyed by their keys too, so editing an inner recipe's file re-keys
 * every recipe built on it.
 */
export function recipeKey(recipe: RunConfig, numerics: Numerics): string {
  return keyOf(recipe, numerics, []);
}

function keyOf(recipe: RunConfig, numerics: Numerics, chain: readonly string[]): string {
  const { name: _n, outDir: _o, cacheDir: _c, backend: _b, threads: _t, plugins, ...weightsDetermining } = recipe;
  const inner = innerRecipeKeys(recipe, numerics, chain);
  // named plugins count (their code may build the model); none named keeps the keys of configs from before the field;
  // no inner recipe keeps the keys of recipes that name none
  return createHash('sha256')
    .update(
      canonicalJson({
        v: 2,
        ...weightsDetermining,
        ...(plugins.length ? { plugins } : {}),
        numerics,
        ...(Object.keys(inner).length ? { innerRecipes: inner } : {}),
      }),
    )
    .digest('hex')
    .slice(0, 16);
}

/** The recipes a config names (field → file), each by the field that names it. */
function namedRecipes(config: RunConfig): [field: string, path: string][] {
  const inits = (where: string, init: ModelInits | undefined): [string, string][] =>
    (init === undefined ? [] : Array.isArray(init) ? init : [init]).flatMap((source, i, all) =>
      source.recipe === undefined
        ? []
        : [[all.length > 1 ? `${where}.init[${i}].recipe` : `${where}.init.recipe`, source.recipe]],
    );
  const teacherRecipes = (where: string, teacher: TeacherConfig | undefined): [string, string][] =>
    teacher === undefined
      ? []
      : [
          ...(teacher.recipe !== undefined ? [[`${where}.recipe`, teacher.recipe] as [string, string]] : []),
          ...inits(where, teacher.init),
        ];
  return [
    ...inits('student', config.student.init),
    ...teacherRecipes('teacher', config.teacher),
    ...Object.entries(config.extraTeachers).flatMap(([name, t]) => teacherRecipes(`extraTeachers.${name}`, t)),
  ];
}

/** Field → key of every recipe the config names (read from its files; a cycle is an error naming the field). */
function innerRecipeKeys(config: RunConfig, numerics: Numerics, chain: readonly string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [field, path] of namedRecipes(config)) {
    const file = configPath(config, path);
    if (chain.includes(file)) {
      throw new ConfigError(field, `${path} names itself through its recipes (${[...chain, file].join(' → ')})`);
    }
    keys[field] = keyOf(loadRecipeConfig(field, path, config), numerics, [...chain, file]);
  }
  return keys;
}

/** Where a recipe's run lives under a cache root. */
export function recipeRunDir(cacheDir: string, recipe: RunConfig, numerics: Numerics): string {
  return join(cacheDir, 'recipes', `${recipe.name}-${recipeKey(recipe, numerics)}`);
}

/**
 * Has the recipe's run finished (summary written) with its saved student intact (every file as its
 * manifest says)? A finished run with a damaged student returns the problem.
 */
export function recipeState(runDir: string): 'done' | 'not done' | { damaged: string } {
  if (!existsSync(join(runDir, 'summary.json'))) return 'not done';
  const problem = entryProblem(join(runDir, 'student'));
  return problem === undefined ? 'done' : { damaged: problem };
}

/** Has the recipe's run finished with an intact student? */
export function recipeDone(runDir: string): boolean {
  return recipeState(runDir) === 'done';
}

/** Runs (or resumes) a recipe in the cache unless it has finished; returns the folder of its saved student. */
export interface EnsureRecipeOptions {
  readonly cacheDir: string;
  readonly numerics: Numerics;
  /** Runs (or resumes) the recipe's config in its cache folder. */
  readonly run: (host: DependencyContainer, config: RunConfig, runDir: string) => Promise<unknown>;
  readonly log: (line: string) => void;
  /** Aborted on Ctrl-C / SIGTERM: stop waiting for another process. */
  readonly signal?: AbortSignal;
  /** How often to look again while another process trains the recipe (ms). */
  readonly pollMs?: number;
}

export async function ensureRecipe(
  host: DependencyContainer,
  recipe: RunConfig,
  options: EnsureRecipeOptions,
): Promise<{ modelDir: string; ranNow: boolean }> {
  const { cacheDir, numerics, run, log } = options;
  const runDir = recipeRunDir(cacheDir, recipe, numerics);
  const modelDir = join(runDir, 'student');
  const release = await lockUnlessReady(`${runDir}.lock`, () => recipeDone(runDir), {
    onWait: () => log(`recipe ${recipe.name}: another process is training it into ${runDir}; waiting`),
    signal: options.signal,
    pollMs: options.pollMs,
  });
  if (!release) return { modelDir, ranNow: false };
  try {
    const state = recipeState(runDir);
    if (state !== 'not done' && state !== 'done') {
      // its checkpoints rebuild the student exactly: drop what is damaged and resume
      log(
        `recipe ${recipe.name}: the saved model in ${modelDir} is damaged (${state.damaged}); rebuilding it from the run's checkpoints`,
      );
      rmSync(join(runDir, 'summary.json'), { force: true });
      rmSync(modelDir, { recursive: true, force: true });
    }
    log(`recipe ${recipe.name}: not in the cache, running it once into ${runDir}`);
    const started = Date.now();
    await run(host, { ...recipe, cacheDir }, runDir);
    log(`recipe ${recipe.name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return { modelDir, ranNow: true };
  } finally {
    release();
  }
}
