import type * as tf from '@tensorflow/tfjs';
import { activeTerms, combineTerms, isTrainable, type MethodState, type Participant } from '@kd/core';
import { trainStage, type StageResult, type TrainableGroup } from '@kd/trainer';
import { join } from 'node:path';
import { TASK, type BuiltRun } from '../assemble/build-run.js';
import { taskLossesOf } from '../assemble/build-task.js';
import { groupOptims, type StageContext } from './stage-settings.js';
import { taskEvaluation } from './task-evaluation.js';

/**
 * The main stage: the student (and every method's auxiliary modules) trained on
 *   total = Σ_term w · task.term(student) + Σ_method Σ_term w · term,
 * judged by the run's task (the best checkpoint by its primary metric on val). Frozen teachers run
 * outside the tape; the task and each method compute only their active terms.
 */
export function runDistillStage(
  run: BuiltRun,
  ctx: StageContext & { readonly stopAfterEpochs?: number },
  participants: readonly Participant[] = run.active,
): Promise<StageResult> {
  const { config, dataset } = run;
  const groups = new Map<string, Map<string, tf.Variable>>();
  const addGroup = (group: string, vars: Map<string, tf.Variable>) => {
    const g = groups.get(group) ?? new Map<string, tf.Variable>();
    for (const [k, v] of vars) g.set(k, v);
    groups.set(group, g);
  };
  const stateVariables = new Map<string, tf.Variable>();
  for (const p of run.participants.filter(isTrainable)) {
    addGroup('main', p.model.namedParameters(`${p.name}/`));
    for (const [k, v] of p.model.namedVariables(`${p.name}/`)) stateVariables.set(k, v);
  }
  for (const m of run.methods) {
    for (const a of m.aux) {
      addGroup(a.group ?? 'main', a.module.namedParameters(`${m.id}.${a.name}/`));
      for (const [k, v] of a.module.namedVariables(`${m.id}.${a.name}/`)) stateVariables.set(k, v);
    }
  }
  const trainable: TrainableGroup[] = [...groups].map(([group, variables]) => ({ group, variables }));
  const taskActive = activeTerms(run.weights, TASK);
  const taskLosses = taskLossesOf(run.task, run.student.model);
  const active = new Map(run.methods.map((m) => [m.id, activeTerms(run.weights, m.id)]));

  return trainStage({
    name: 'distill',
    epochs: config.train.epochs,
    batchSize: config.train.batchSize,
    evalBatchSize: config.train.evalBatchSize,
    seed: config.seed,
    train: dataset.split('train'),
    val: dataset.split('val'),
    test: dataset.split('test'),
    participants,
    taps: run.taps,
    primary: { teacher: run.teacher?.name, student: run.student.name },
    trainable,
    stateVariables,
    optim: groupOptims(config.train),
    clipGradNorm: config.train.clipGradNorm,
    settingsPath: 'train',
    objective: (step) => {
      const terms = new Map<string, Record<string, tf.Scalar>>();
      if (taskActive.size) terms.set(TASK, taskLosses({ ...step, active: taskActive }));
      for (const m of run.methods) {
        const on = active.get(m.id)!;
        if (on.size) terms.set(m.id, m.method.losses({ ...step, active: on }));
      }
      return combineTerms(terms, run.weights);
    },
    evaluation: taskEvaluation(run.task, dataset, run.student.name, config.train.evalBatchSize),
    onEpochStart: (epoch) => run.methods.forEach((m) => m.method.onEpochStart?.(epoch)),
    onStepEnd: (step) => run.methods.forEach((m) => m.method.onStepEnd?.({ ...step, active: active.get(m.id)! })),
    extraState: {
      save: () => {
        const out: MethodState = { tensors: {}, values: {} };
        for (const m of run.methods) {
          const s = m.method.getState?.();
          if (!s) continue;
          for (const [k, v] of Object.entries(s.tensors)) out.tensors[`${m.id}/${k}`] = v;
          for (const [k, v] of Object.entries(s.values)) out.values[`${m.id}/${k}`] = v;
        }
        return out;
      },
      load: (state) => {
        for (const m of run.methods) {
          if (!m.method.setState) continue;
          const pick = <T>(rec: Record<string, T>) =>
            Object.fromEntries(
              Object.entries(rec)
                .filter(([k]) => k.startsWith(`${m.id}/`))
                .map(([k, v]) => [k.slice(m.id.length + 1), v]),
            );
          m.method.setState({ tensors: pick(state.tensors), values: pick(state.values) });
        }
      },
    },
    checkpointDir: join(ctx.runDir, 'checkpoints', 'distill'),
    events: ctx.events,
    signal: ctx.signal,
    stopAfterEpochs: ctx.stopAfterEpochs,
  });
}
