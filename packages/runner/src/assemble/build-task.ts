import type * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  MissingTapError,
  resolveTask,
  resolveWeights,
  type DependencyContainer,
  type Dataset,
  type MetricSpec,
  type Participant,
  type StepContext,
  type TappedModel,
  type Task,
  type TaskDescriptor,
  type WeightedTerm,
} from '@kd/core';
import { toConfigError } from '../config/load-config.js';
import type { RunConfig } from '../config/schema.js';

/** The namespace of the task's loss terms (`task.ce`, `task.bce`, …). */
export const TASK = 'task';

/** The task of a run, set up: what the student is trained for and judged by. */
export interface BuiltTask {
  readonly id: string;
  readonly descriptor: TaskDescriptor;
  readonly task: Task<any>;
  /** The metrics this run's evaluations report (the descriptor's, refined by the data). */
  readonly metrics: readonly MetricSpec[];
  /** The metric that picks the best checkpoint and heads result tables. */
  readonly primary: MetricSpec;
  /**
   * Teachers the task does not judge (nor train), by name, with why: their models lack the task's
   * taps (an embedding-only crop teacher under a detection task), or their config says `evaluate: false`.
   */
  readonly unjudged: ReadonlyMap<string, string>;
}

/**
 * The task's loss terms for one model: the model's own (`TappedModel.ownTaskLoss`, e.g. WSDDN's BCE on
 * probabilities) when it supplies them for this task, else the task's.
 */
export function taskLossesOf(task: BuiltTask, model: TappedModel): (step: StepContext) => Record<string, tf.Scalar> {
  const own = model.ownTaskLoss?.(task.id);
  return own ? (step) => own.losses(step) : (step) => task.task.losses(step);
}

/**
 * The task's weights for one model, without the terms it cannot have (`Task.unavailableTerms`): at 0
 * when the config left them at their default; a ConfigError naming `task.weights.<term>` when the
 * config weights them (`configured`: the config's task weights; a teacher trained by the task has none).
 */
export function taskWeightsFor(
  task: Task<any>,
  weights: readonly WeightedTerm[],
  model: TappedModel,
  configured: Readonly<Record<string, number>> = {},
): WeightedTerm[] {
  const unavailable = new Map((task.unavailableTerms?.(model) ?? []).map((u) => [u.term, u.why]));
  return weights.map((w) => {
    const why = unavailable.get(w.term);
    if (why === undefined || w.weight === 0) return w;
    if ((configured[w.term] ?? 0) > 0) throw new ConfigError(`task.weights.${w.term}`, why);
    return { ...w, weight: 0 };
  });
}

/** The task the config names, else the one the dataset proposes, else classification. */
export function taskId(config: RunConfig, dataset: Pick<Dataset, 'task'>): string {
  return config.task.id ?? dataset.task ?? 'classification';
}

/** Resolves the run's task in its container and weighs its terms (`task.weights` × `task.weight`). */
export function resolveRunTask(
  container: DependencyContainer,
  config: RunConfig,
  dataset: Dataset,
): { descriptor: TaskDescriptor; task: Task<any>; hparams: unknown; weights: WeightedTerm[] } {
  const id = taskId(config, dataset);
  let resolved;
  try {
    resolved = resolveTask(container, id);
  } catch (e) {
    const where = config.task.id !== undefined ? 'task.id' : 'data.dataset';
    throw new ConfigError(
      where,
      `${(e as Error).message}${config.task.id === undefined ? ` (the task dataset '${config.data.dataset}' proposes)` : ''}`,
    );
  }
  const parsed = resolved.descriptor.hparams.strict().safeParse(config.task.hparams);
  if (!parsed.success) throw toConfigError(parsed.error, 'task.hparams');
  let weights: WeightedTerm[];
  try {
    weights = resolveWeights(TASK, resolved.descriptor.terms, config.task.weights).map((w) => ({
      ...w,
      weight: w.weight * config.task.weight,
    }));
  } catch (e) {
    throw new ConfigError('task.weights', (e as Error).message.replace(`for method '${TASK}'`, `of task '${id}'`));
  }
  return { ...resolved, hparams: parsed.data, weights };
}

/**
 * Sets the task up on the student and checks that every model it trains or judges (the student and
 * each teacher, whose accuracy on the task is reported) has the taps it reads.
 */
export function setupRunTask(
  resolved: ReturnType<typeof resolveRunTask>,
  dataset: Dataset,
  student: Participant,
  participants: readonly Participant[],
  /** A teacher's `evaluate`: false never judges it, true requires the task's taps, unset judges it when it has them. */
  evaluate: (p: Participant) => boolean | undefined = () => undefined,
): BuiltTask {
  const { descriptor, task } = resolved;
  const tapOf = (p: Participant, tap: string) => {
    const specs = p.model.tapSpecs();
    const spec = specs[tap];
    if (!spec) throw new MissingTapError(descriptor.id, `${p.name} (${p.model.arch})`, tap, Object.keys(specs), 'task');
    return spec;
  };
  task.setup({ hparams: resolved.hparams, data: dataset, student, tap: (_role, tap) => tapOf(student, tap) });
  const unjudged = new Map<string, string>();
  for (const p of participants) {
    const wanted = p === student || p.role !== 'teacher' ? true : evaluate(p);
    if (wanted === false) {
      unjudged.set(p.name, 'its config says evaluate: false');
      continue;
    }
    const missing = task.requiredTaps().filter((r) => !(r.tap in p.model.tapSpecs()));
    if (wanted === undefined && missing.length) {
      unjudged.set(
        p.name,
        `its model lacks the task's tap${missing.length > 1 ? 's' : ''} ${missing.map((r) => r.tap).join(', ')}`,
      );
      continue;
    }
    for (const req of task.requiredTaps()) tapOf(p, req.tap);
  }
  const metrics = task.metrics();
  const primary = metrics.find((m) => m.name === descriptor.primary);
  if (!primary)
    throw new Error(`task '${descriptor.id}': its primary metric '${descriptor.primary}' is not among its metrics`);
  return { id: descriptor.id, descriptor, task, metrics, primary, unjudged };
}
