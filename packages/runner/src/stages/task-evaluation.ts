import type { DataInfo, Metrics, TappedModel, DataSplit } from '@kd/core';
import type { StageEvaluation } from '@kd/trainer';
import type { BuiltTask } from '../assemble/build-task.js';

/** A model's metrics on a split by the run's task (inference mode, every sample once). */
export function evaluateByTask(
  task: BuiltTask,
  data: DataInfo,
  model: TappedModel,
  split: DataSplit,
  batchSize: number,
): Metrics {
  return task.task.evaluate({ model, split, batchSize, data });
}

/** How a stage judges `participant`: by the run's task, the best checkpoint picked by its primary metric. */
export function taskEvaluation(
  task: BuiltTask,
  data: DataInfo,
  participant: string,
  batchSize: number,
): StageEvaluation {
  return {
    participant,
    evaluate: (model, split) => evaluateByTask(task, data, model, split, batchSize),
    select: { metric: task.primary.name, higherIsBetter: task.primary.higherIsBetter, unit: task.primary.unit },
  };
}
