import {
  activeTerms,
  combineTerms,
  ensureDir,
  resolveWeights,
  type Dataset,
  type Metrics,
  type Participant,
} from '@kd/core';
import { readModelCard, saveTappedModelSync, type ModelCard } from '@kd/models';
import type { Numerics } from '@kd/tfjs-runtime';
import { trainStage } from '@kd/trainer';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../config/canonical-json.js';
import { configPath } from '../config/load-config.js';
import type { ModelInit, RunConfig, TeacherConfig } from '../config/schema.js';
import { checkVocabulary, loadModelWeights, resolveModelDir } from '../assemble/saved-model.js';
import { lockUnlessReady } from '../folder/pid-lock.js';
import { entryProblem } from './cache-entry.js';
import { TASK, taskLossesOf, taskWeightsFor, type BuiltTask } from '../assemble/build-task.js';
import { groupOptims, type StageContext } from './stage-settings.js';
import { evaluateByTask, taskEvaluation } from './task-evaluation.js';
import { publishDir } from './publish-dir.js';

export interface TeacherOutcome {
  readonly name: string;
  readonly arch: string;
  readonly params: number;
  /**
   * where the weights came from; 'model' = with the architecture itself (e.g. a tfjs graph model file);
   * 'init' = `init` alone (a teacher the task cannot train)
   */
  readonly source: 'checkpoint' | 'recipe' | 'cache' | 'trained' | 'model' | 'init';
  readonly path: string;
  /** The teacher's metrics on the test split by the run's task; absent when the task does not judge it. */
  readonly metrics?: Metrics;
  /** Why the task does not judge the teacher (`metrics` absent), e.g. its model lacks the task's taps. */
  readonly unjudged?: string;
}

/**
 * Cache key of a trained teacher: everything that determines its weights — data, the task it learns,
 * model, seed, training settings, the folder relative paths in them are read from (`baseDir`: two configs in two
 * folders may both say `root: images`), and the numerics (backend and kernel build) it is trained
 * with, since another kernel build rounds differently and gives other weights.
 */
export function teacherCacheKey(
  config: RunConfig,
  tc: TeacherConfig,
  numerics: Numerics,
  task: { id: string; hparams?: unknown },
  /** What `init` loads, by content (teacherInitKey); none keeps the keys of teachers without init. */
  init?: unknown,
): string {
  const key = {
    ...(init !== undefined ? { init } : {}),
    v: 3,
    data: config.data,
    baseDir: config.baseDir ?? null,
    task: { id: task.id, hparams: task.hparams ?? {} },
    arch: tc.arch,
    options: tc.options,
    seed: tc.seed,
    train: tc.train,
    numerics,
  };
  return createHash('sha256').update(canonicalJson(key)).digest('hex').slice(0, 16);
}

/**
 * What a teacher's `init` loads, for its cache key: the map and strictness, and the source by content
 * (a recipe by its content key, as the recipe cache names it; a checkpoint by its resolved folder).
 */
export function teacherInitKey(init: ModelInit, source: { recipeKey: string } | { checkpoint: string }): unknown {
  return { ...source, map: init.map ?? null, strict: init.strict ?? false };
}

/** What a teacher needs from its run besides its config: stage context, numerics, a log. */
export interface TeacherContext extends StageContext {
  readonly numerics: Numerics;
  /** The run's task: what a teacher is trained for (its terms at their default weights) and judged by. */
  readonly task: BuiltTask;
  readonly log: (line: string) => void;
}

/**
 * Gives a teacher its weights: from `checkpoint` if set, else from the teacher cache, else by training
 * it on the task (a `teacher` stage with checkpoints in the run folder, so it resumes) and storing
 * the result in the cache. Returns where the weights came from and the teacher's test accuracy.
 */
export async function prepareTeacher(
  p: Participant,
  tc: TeacherConfig,
  config: RunConfig,
  dataset: Dataset,
  ctx: TeacherContext,
  /** The saved student of the teacher's recipe run (`teacher.recipe`), when it has one. */
  recipeModelDir?: string,
  /** What the teacher's `init` loaded (already in the model): its folder and content key. */
  init?: { dir: string; key: unknown },
): Promise<TeacherOutcome> {
  const where = p.name === 'teacher' ? 'teacher' : `extraTeachers.${p.name}`;
  const base = { name: p.name, arch: tc.arch, params: p.model.paramCount() };
  const card = {
    arch: tc.arch,
    options: tc.options,
    inputShape: dataset.inputShape,
    numClasses: dataset.numClasses,
    ...(dataset.text?.vocabularyId ? { vocabularyId: dataset.text.vocabularyId } : {}),
  };
  let source: TeacherOutcome['source'];
  let path: string;
  const unjudged = ctx.task.unjudged.get(p.name);
  const testMetrics = (): Pick<TeacherOutcome, 'metrics' | 'unjudged'> =>
    unjudged === undefined ? { metrics: taskMetrics(p, tc, dataset, ctx) } : { unjudged };
  const trainable = ctx.task.task.requiredTaps().every((r) => r.tap in p.model.tapSpecs());
  if (!trainable && !tc.checkpoint && !recipeModelDir && init)
    // the task cannot train it: the teacher is what its init loaded (unmapped variables as seeded)
    return { ...base, source: 'init', path: init.dir, ...testMetrics() };
  if (p.model.namedVariables().size === 0 && !tc.checkpoint) {
    // nothing to load or train: the architecture brought its weights (graph-model)
    return {
      ...base,
      source: 'model',
      path: typeof tc.options['path'] === 'string' ? tc.options['path'] : tc.arch,
      ...testMetrics(),
    };
  }
  if (tc.checkpoint) {
    path = resolveModelDir(configPath(config, tc.checkpoint)); // checked and loaded by buildRun
    source = 'checkpoint';
  } else if (recipeModelDir) {
    path = recipeModelDir;
    checkVocabulary(`${where}.recipe ${tc.recipe}`, path, readModelCard(path), dataset.text);
    loadModelWeights(path, p.model);
    source = 'recipe';
  } else {
    const cached = join(
      config.cacheDir,
      'teachers',
      teacherCacheKey(config, tc, ctx.numerics, { id: ctx.task.id, hparams: config.task.hparams }, init?.key),
    );
    const intact = () => existsSync(cached) && entryProblem(cached) === undefined;
    // one process trains a teacher that several runs (two sweep processes) need; the others wait for it
    const release = tc.cache
      ? await lockUnlessReady(`${cached}.lock`, intact, {
          onWait: () => ctx.log(`${p.name}: another process is training this teacher into ${cached}; waiting`),
          signal: ctx.signal,
        })
      : () => {};
    if (!release) {
      loadModelWeights(cached, p.model);
      // the cache key fixes the data (and so the test split): the stored accuracy holds
      const stored = readModelCard(cached).metrics?.['test'];
      if (stored && typeof stored === 'object')
        return { ...base, source: 'cache', path: cached, metrics: stored as Metrics };
      if (unjudged !== undefined) return { ...base, source: 'cache', path: cached, unjudged };
      source = 'cache';
      path = cached;
    } else {
      try {
        if (tc.cache && existsSync(cached)) {
          ctx.log(
            `${p.name}: the teacher cache entry ${cached} is damaged (${entryProblem(cached)}); training the teacher again`,
          );
          rmSync(cached, { recursive: true, force: true });
        }
        const trained = await trainTeacher(p, tc, dataset, where, ctx, card, unjudged === undefined);
        if (tc.cache) {
          ensureDir(join(config.cacheDir, 'teachers'));
          publishDir(trained.path, cached);
        }
        return { ...base, source: 'trained', ...trained, ...(unjudged !== undefined ? { unjudged } : {}) };
      } finally {
        release();
      }
    }
  }
  // a user's checkpoint (or an older cache entry without a stored accuracy): measure it here
  return { ...base, source, path, ...testMetrics() };
}

/** Trains a teacher on the task (a `<name>-train` stage, checkpointed in the run folder) and saves it there. */
async function trainTeacher(
  p: Participant,
  tc: TeacherConfig,
  dataset: Dataset,
  where: string,
  ctx: TeacherContext,
  card: Omit<ModelCard, 'params'>,
  judged: boolean,
): Promise<{ path: string; metrics?: Metrics }> {
  // a teacher learns the task with the task's own term weights (the config's task.weights are the student's)
  const weights = taskWeightsFor(ctx.task.task, resolveWeights(TASK, ctx.task.descriptor.terms, {}), p.model);
  p.model.setFrozen(false);
  const losses = taskLossesOf(ctx.task, p.model);
  await trainStage({
    name: `${p.name}-train`,
    epochs: tc.train.epochs,
    batchSize: tc.train.batchSize,
    evalBatchSize: tc.train.evalBatchSize,
    seed: tc.seed,
    train: dataset.split('train'),
    val: dataset.split('val'),
    participants: [p],
    taps: new Map([[p.name, new Set(ctx.task.task.requiredTaps().map((r) => r.tap))]]),
    primary: { student: p.name },
    trainable: [{ group: 'main', variables: p.model.namedParameters(`${p.name}/`) }],
    stateVariables: p.model.namedVariables(`${p.name}/`),
    optim: groupOptims(tc.train),
    clipGradNorm: tc.train.clipGradNorm,
    settingsPath: `${where}.train`,
    objective: (step) =>
      combineTerms(new Map([[TASK, losses({ ...step, active: activeTerms(weights, TASK) })]]), weights),
    evaluation: taskEvaluation(ctx.task, dataset, p.name, tc.train.evalBatchSize),
    checkpointDir: join(ctx.runDir, 'checkpoints', `${p.name}-train`),
    events: ctx.events,
    signal: ctx.signal,
  });
  p.model.setFrozen(!tc.trainable);
  const path = join(ctx.runDir, p.name);
  if (!judged) {
    saveTappedModelSync(p.model, path, card);
    return { path };
  }
  const metrics = taskMetrics(p, tc, dataset, ctx);
  saveTappedModelSync(p.model, path, { ...card, metrics: { test: metrics } });
  return { path, metrics };
}

/** A teacher's metrics on the test split by the run's task. */
function taskMetrics(p: Participant, tc: TeacherConfig, dataset: Dataset, ctx: TeacherContext): Metrics {
  return evaluateByTask(ctx.task, dataset, p.model, dataset.split('test'), tc.train.evalBatchSize);
}
