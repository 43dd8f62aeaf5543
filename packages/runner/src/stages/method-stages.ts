import type * as tf from '@tensorflow/tfjs';
import { activeTerms, combineTerms } from '@kd/core';
import { trainStage, type StageResult, type TrainableGroup } from '@kd/trainer';
import { join } from 'node:path';
import type { BuiltMethodStage } from '../assemble/build-method-stages.js';
import type { BuiltMethod, BuiltRun } from '../assemble/build-run.js';
import type { StageContext } from './stage-settings.js';
import { taskEvaluation } from './task-evaluation.js';

/**
 * The variables a stage trains (`params`) or changes (all, BN statistics included), by checkpoint path
 * and optimizer group: participants named in its `trainable` in `main`, the method's aux modules in
 * their own group, each filtered by the stage's `variableFilter`.
 */
function stageVariables(
  run: BuiltRun,
  m: BuiltMethod,
  stage: BuiltMethodStage,
  params: boolean,
): Map<string, Map<string, tf.Variable>> {
  const groups = new Map<string, Map<string, tf.Variable>>();
  for (const name of stage.spec.trainable) {
    const p = run.participants.find((q) => q.name === name);
    const aux = m.aux.find((a) => a.name === name);
    const [group, prefix, module] = p
      ? ['main', `${p.name}/`, p.model]
      : [aux!.group ?? 'main', `${m.id}.${aux!.name}/`, aux!.module];
    const vars = params ? module.namedParameters() : module.namedVariables();
    const out = groups.get(group) ?? new Map<string, tf.Variable>();
    for (const [path, v] of vars)
      if (!stage.spec.variableFilter || stage.spec.variableFilter(name, path)) out.set(prefix + path, v);
    groups.set(group, out);
  }
  return groups;
}

/** Buffers (BN running statistics) of the participants a stage trains, unfiltered, by checkpoint path. */
function trainedBuffers(run: BuiltRun, stage: BuiltMethodStage): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const name of stage.spec.trainable) {
    const p = run.participants.find((q) => q.name === name);
    if (!p) continue;
    const params = p.model.namedParameters();
    for (const [path, v] of p.model.namedVariables()) if (!params.has(path)) out.set(`${p.name}/${path}`, v);
  }
  return out;
}

/**
 * Runs every method's extra stages (e.g. FitNets' hint training) before distillation, in method order,
 * each as a stage of its own (`<method>.<stage>`, with checkpoints and exact resume) with the settings
 * `buildMethodStages` resolved: it trains only what it names, on its own terms weighted as configured
 * (only the non-zero ones are computed), with its own optimizer settings and schedule per group, and —
 * when `evaluate` is on — judges the student by the run's task on val after every epoch.
 */
export async function runMethodStages(run: BuiltRun, ctx: StageContext): Promise<StageResult[]> {
  const results: StageResult[] = [];
  const { config, dataset } = run;
  for (const m of run.methods) {
    for (const stage of m.stages) {
      if (stage.epochs === 0) continue;
      const taps = new Map<string, Set<string>>(run.participants.map((p) => [p.name, new Set<string>()]));
      for (const t of stage.spec.taps) {
        const who = t.model ?? (t.role === 'teacher' ? run.teacher?.name : run.student.name);
        if (who) taps.get(who)?.add(t.tap);
      }
      const trainable: TrainableGroup[] = [...stageVariables(run, m, stage, true)].map(([group, variables]) => ({
        group,
        variables,
      }));
      const stateVariables = new Map([...stageVariables(run, m, stage, false).values()].flatMap((g) => [...g]));
      // A trained participant runs in training mode, so every batch norm of it moves its statistics, also
      // outside the filtered part (FitNets' layers above the hint): they are state of the stage too. Older
      // checkpoints lack those outside the filter; they resume as before (the statistics at stage start).
      const movedBuffers = trainedBuffers(run, stage);
      const optionalOnResume = new Set([...movedBuffers.keys()].filter((k) => !stateVariables.has(k)));
      for (const [k, v] of movedBuffers) stateVariables.set(k, v);
      const active = activeTerms(stage.weights, m.id);
      results.push(
        await trainStage({
          name: stage.name,
          epochs: stage.epochs,
          batchSize: stage.batchSize,
          seed: config.seed,
          train: dataset.split('train'),
          // the trainer runs a model inside the tape in training mode only if the stage trains some of
          // its parameters: a frozen model named here (or one the stage does not name) keeps its BN statistics
          participants: run.participants,
          taps,
          primary: { teacher: run.teacher?.name, student: run.student.name },
          trainable,
          stateVariables,
          optionalOnResume,
          optim: stage.optim,
          ...(stage.clipGradNorm !== undefined ? { clipGradNorm: stage.clipGradNorm } : {}),
          settingsPath: stage.where,
          objective: (step) => combineTerms(new Map([[m.id, stage.spec.losses({ ...step, active })]]), stage.weights),
          ...(stage.evaluate
            ? {
                val: dataset.split('val'),
                evalBatchSize: config.train.evalBatchSize,
                evaluation: taskEvaluation(run.task, dataset, run.student.name, config.train.evalBatchSize),
              }
            : {}),
          checkpointDir: join(ctx.runDir, 'checkpoints', stage.name),
          events: ctx.events,
          signal: ctx.signal,
        }),
      );
    }
  }
  return results;
}
