import { taskLoss, type Dataset, type Participant } from '@kd/core';
import { evaluateAccuracy, trainStage, type EventSink } from '@kd/trainer';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig, TeacherConfig } from '../config/schema.js';
import { checkVocabulary, loadModelWeights, readModelCard, resolveModelDir, saveModel } from '../build/saved-model.js';
import { groupOptims } from './stage-settings.js';
import { publishDir } from './publish-dir.js';

export interface TeacherOutcome {
  readonly name: string;
  readonly arch: string;
  readonly params: number;
  /** where the weights came from; 'model' = with the architecture itself (e.g. a tfjs graph model file) */
  readonly source: 'checkpoint' | 'recipe' | 'cache' | 'trained' | 'model';
  readonly path: string;
  readonly test: number;
}

/** Cache key of a trained teacher: everything that determines its weights. */
export function teacherCacheKey(config: RunConfig, tc: TeacherConfig): string {
  const key = { v: 1, data: config.data, arch: tc.arch, options: tc.options, seed: tc.seed, train: tc.train };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/**
 * Gives a teacher its weights: from `checkpoint` if set, else from the teacher cache, else by training
 * it on the task (a `teacher` stage with checkpoints in the run folder, so it resumes) and storing
 * the result in the cache. Returns where the weights came from and the teacher's test accuracy.
 */
export function prepareTeacher(
  p: Participant,
  tc: TeacherConfig,
  config: RunConfig,
  dataset: Dataset,
  runDir: string,
  events?: EventSink,
  /** The saved student of the teacher's recipe run (`teacher.recipe`), when it has one. */
  recipeModelDir?: string,
): TeacherOutcome {
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
  if (p.model.namedVariables().size === 0 && !tc.checkpoint) {
    // nothing to load or train: the architecture brought its weights (graph-model)
    const test = evaluateAccuracy(p.model, dataset.split('test'), tc.train.evalBatchSize).accuracy;
    return { ...base, source: 'model', path: typeof tc.options['path'] === 'string' ? tc.options['path'] : tc.arch, test };
  }
  if (tc.checkpoint) {
    path = resolveModelDir(tc.checkpoint); // validated against the config by buildRun
    loadModelWeights(path, p.model);
    source = 'checkpoint';
  } else if (recipeModelDir) {
    path = recipeModelDir;
    checkVocabulary(`${p.name === 'teacher' ? 'teacher' : `extraTeachers.${p.name}`}.recipe ${tc.recipe}`, path, readModelCard(path), dataset.text);
    loadModelWeights(path, p.model);
    source = 'recipe';
  } else {
    const cached = join(config.cacheDir, 'teachers', teacherCacheKey(config, tc));
    if (tc.cache && existsSync(join(cached, 'model.json'))) {
      loadModelWeights(cached, p.model);
      source = 'cache';
      path = cached;
      // the cache key fixes the data (and so the test split): the stored accuracy holds
      const stored = readModelCard(cached).metrics?.test;
      if (typeof stored === 'number') return { ...base, source, path, test: stored };
    } else {
      p.model.setFrozen(false);
      const ckDir = join(runDir, 'checkpoints', `${p.name}-train`);
      trainStage({
        name: `${p.name}-train`,
        epochs: tc.train.epochs,
        batchSize: tc.train.batchSize,
        evalBatchSize: tc.train.evalBatchSize,
        seed: tc.seed,
        train: dataset.split('train'),
        val: dataset.split('val'),
        participants: [{ ...p, trainable: true }],
        taps: new Map([[p.name, new Set(['logits'])]]),
        primary: { student: p.name },
        trainable: [{ group: 'main', variables: p.model.namedParameters(`${p.name}/`) }],
        stateVariables: p.model.namedVariables(`${p.name}/`),
        optim: groupOptims(tc.train),
        clipGradNorm: tc.train.clipGradNorm,
        active: new Set(['ce']),
        objective: (step) => {
          const ce = taskLoss(step.student.logits!, step.batch.y!);
          return { total: ce, parts: { 'task.ce': ce } };
        },
        evaluate: p.name,
        checkpointDir: ckDir,
        events,
      });
      p.model.setFrozen(!tc.trainable);
      source = 'trained';
      path = join(runDir, p.name);
      const test = evaluateAccuracy(p.model, dataset.split('test'), tc.train.evalBatchSize).accuracy;
      saveModel(path, p.model, { ...card, metrics: { test } });
      if (tc.cache) {
        mkdirSync(join(config.cacheDir, 'teachers'), { recursive: true });
        publishDir(path, cached, (dir) => existsSync(join(dir, 'model.json')));
      }
      return { ...base, source, path, test };
    }
  }
  // a user's checkpoint (or an older cache entry without a stored accuracy): measure it here
  const test = evaluateAccuracy(p.model, dataset.split('test'), tc.train.evalBatchSize).accuracy;
  return { ...base, source, path, test };
}
