import type { Metrics } from '@kd/core';
import type { StageResult } from '@kd/trainer';
import type { BuiltRun } from '../assemble/build-run.js';
import type { StageContext } from './stage-settings.js';
import { taskEvaluation } from './task-evaluation.js';

/** The main stage's result when it trains nothing: the student's val metrics as initialised, besides the usual result. */
export interface InitialEvaluation extends StageResult {
  readonly val: Metrics;
}

/**
 * The main stage with `train.epochs: 0`: no training step (no optimizer, no checkpoint); the student
 * as initialised (by `student.init`, else its random initial weights) is judged by the run's task on
 * val and on test, as a finished run's student is. Its weights are both the last and the best
 * (epoch 0). The stage still logs its start and end (with 0 epochs), so reports see it finish.
 */
export function evaluateInitialised(run: BuiltRun, ctx: StageContext): InitialEvaluation {
  const { config, dataset } = run;
  const judge = taskEvaluation(run.task, dataset, run.student.name, config.train.evalBatchSize);
  const select = { metric: judge.select.metric, unit: judge.select.unit ?? 'fraction' };
  ctx.events?.({ type: 'stage-start', stage: 'distill', epochs: 0, startEpoch: 1, select });
  const val = judge.evaluate(run.student.model, dataset.split('val'));
  const test = judge.evaluate(run.student.model, dataset.split('test'));
  ctx.events?.({ type: 'stage-end', stage: 'distill', epochs: 0 });
  const selected = val[judge.select.metric];
  return {
    stage: 'distill',
    epochs: [],
    completed: true,
    ...(selected !== undefined && Number.isFinite(selected) ? { best: { epoch: 0, value: selected } } : {}),
    test: { last: test, best: test },
    val,
  };
}
