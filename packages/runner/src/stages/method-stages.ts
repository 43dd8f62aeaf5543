import type * as tf from '@tensorflow/tfjs';
import { UserError, type StageSpec } from '@kd/core';
import { trainStage, type StageResult, type TrainableGroup } from '@kd/trainer';
import { join } from 'node:path';
import type { BuiltMethod, BuiltRun } from '../assemble/build-run.js';
import { groupOptims, type StageContext } from './stage-settings.js';

/** Variables named in a stage's `trainable` list (participants or the method's aux modules), filtered. */
function stageVariables(run: BuiltRun, m: BuiltMethod, stage: StageSpec, params: boolean): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const name of stage.trainable) {
    const p = run.participants.find((q) => q.name === name);
    const aux = m.aux.find((a) => a.name === name);
    if (!p && !aux) throw new UserError(`method '${m.id}' stage '${stage.name}' trains '${name}', which is neither a model nor one of its modules`);
    const prefix = p ? `${p.name}/` : `${m.id}.${aux!.name}/`;
    const module = p ? p.model : aux!.module;
    const vars = params ? module.namedParameters() : module.namedVariables();
    for (const [path, v] of vars) if (!stage.variableFilter || stage.variableFilter(name, path)) out.set(prefix + path, v);
  }
  return out;
}

/**
 * Runs every method's extra stages (e.g. FitNets' hint training) before distillation, in method order.
 * Each stage trains only what it names, on its own terms (weight 1), with the main optimizer settings
 * and a constant learning rate; the epochs come from `methods[i].stages.<name>.epochs` or the default.
 */
export async function runMethodStages(run: BuiltRun, ctx: StageContext): Promise<StageResult[]> {
  const results: StageResult[] = [];
  const { config, dataset } = run;
  for (const m of run.methods) {
    for (const stage of m.method.stages?.() ?? []) {
      const epochs = m.stageEpochs[stage.name] ?? stage.defaultEpochs;
      if (epochs === 0) continue;
      const name = `${m.id}.${stage.name}`;
      const taps = new Map<string, Set<string>>(run.participants.map((p) => [p.name, new Set<string>()]));
      for (const t of stage.taps) {
        const who = t.model ?? (t.role === 'teacher' ? 'teacher' : 'student');
        taps.get(who)?.add(t.tap);
      }
      const trainableNames = new Set(stage.trainable);
      const participants = run.participants.map((p) => ({ ...p, trainable: trainableNames.has(p.name) }));
      const group: TrainableGroup = { group: 'main', variables: stageVariables(run, m, stage, true) };
      const optim = groupOptims(config.train);
      results.push(
        await trainStage({
          name,
          epochs,
          batchSize: config.train.batchSize,
          seed: config.seed,
          train: dataset.split('train'),
          participants,
          taps,
          primary: { teacher: run.teacher?.name, student: run.student.name },
          trainable: [group],
          stateVariables: stageVariables(run, m, stage, false),
          optim: { main: { optimizer: optim.main.optimizer, schedule: { ...optim.main.schedule, type: 'constant', warmupEpochs: 0 } } },
          clipGradNorm: config.train.clipGradNorm,
          settingsPath: 'train',
          active: new Set(),
          objective: (step) => {
            const parts = stage.losses(step);
            const named = Object.fromEntries(Object.entries(parts).map(([k, v]) => [`${m.id}.${k}`, v]));
            const values = Object.values(parts);
            const total = values.slice(1).reduce((a, b) => a.add(b) as tf.Scalar, values[0]!);
            return { total, parts: named };
          },
          checkpointDir: join(ctx.runDir, 'checkpoints', name),
          events: ctx.events,
          signal: ctx.signal,
        }),
      );
    }
  }
  return results;
}
