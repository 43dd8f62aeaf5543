import { ConfigError, type DependencyContainer } from '@kd/core';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../config/load-config.js';
import { tryLock } from './recipe-lock.js';
import type { RunConfig, TeacherConfig } from '../config/schema.js';

/**
 * A teacher "by recipe": `teacher.recipe: other.yaml` names the run config that produces the
 * teacher (e.g. the CLIP-like teacher, a VL pre-training run). The recipe runs once; its run folder
 * lives in `<cacheDir>/recipes/<key>`, keyed by everything that determines its weights, and every
 * later run (any seed, any sweep cell) loads the recipe's saved student from there.
 */

/** The recipe's config, checked against the teacher entry that names it (before any file is written). */
export function loadRecipe(where: string, tc: TeacherConfig): RunConfig {
  let recipe: RunConfig;
  try {
    recipe = loadConfigFile(tc.recipe!);
  } catch (e) {
    const m = (e as Error).message;
    throw new ConfigError(`${where}.recipe`, e instanceof ConfigError ? `${tc.recipe}: ${m.replace(/^config /, '')}` : m);
  }
  if (recipe.student.arch !== tc.arch) {
    throw new ConfigError(`${where}.arch`, `'${tc.arch}' differs from the recipe's student '${recipe.student.arch}' (${tc.recipe})`);
  }
  if (canonical(recipe.student.options) !== canonical(tc.options)) {
    throw new ConfigError(`${where}.options`, `differ from the recipe's student options (${tc.recipe}: ${canonical(recipe.student.options)})`);
  }
  return recipe;
}

/** Cache key of a recipe: its parsed config without the fields that only say where things go. */
export function recipeKey(recipe: RunConfig): string {
  const { name: _n, outDir: _o, cacheDir: _c, backend: _b, ...weightsDetermining } = recipe;
  return createHash('sha256').update(canonical({ v: 1, ...weightsDetermining })).digest('hex').slice(0, 16);
}

/** Where a recipe's run lives under a cache root. */
export function recipeRunDir(cacheDir: string, recipe: RunConfig): string {
  return join(cacheDir, 'recipes', `${recipe.name}-${recipeKey(recipe)}`);
}

/** Has the recipe's run finished (saved student and summary)? */
export function recipeDone(runDir: string): boolean {
  return existsSync(join(runDir, 'student', 'model.json')) && existsSync(join(runDir, 'summary.json'));
}

/** JSON with sorted keys, so equal configs give equal keys whatever their key order. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(sort(value));
}

/** Runs (or resumes) a recipe in the cache unless it has finished; returns the folder of its saved student. */
export async function ensureRecipe(
  host: DependencyContainer,
  recipe: RunConfig,
  cacheDir: string,
  run: (host: DependencyContainer, config: RunConfig, runDir: string) => Promise<unknown>,
  log: (line: string) => void,
  /** How often to look again while another process trains the recipe. */
  pollMs = 2000,
): Promise<{ modelDir: string; ranNow: boolean }> {
  const runDir = recipeRunDir(cacheDir, recipe);
  const modelDir = join(runDir, 'student');
  let waited = false;
  for (;;) {
    if (recipeDone(runDir)) return { modelDir, ranNow: false };
    const release = tryLock(`${runDir}.lock`);
    if (release) {
      try {
        if (recipeDone(runDir)) return { modelDir, ranNow: false }; // finished while we waited
        log(`recipe ${recipe.name}: not in the cache, running it once into ${runDir}`);
        const started = Date.now();
        await run(host, { ...recipe, cacheDir }, runDir);
        log(`recipe ${recipe.name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
        return { modelDir, ranNow: true };
      } finally {
        release();
      }
    }
    if (!waited) log(`recipe ${recipe.name}: another process is training it into ${runDir}; waiting`);
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
