import type * as tf from '@tensorflow/tfjs';
import type { BatchKeyRequest } from './batch-keys.js';
import type { Facet } from './facets.js';
import type { DataInfo, DataSplit } from './dataset.js';
import type { HParamSchema } from './hparams.js';
import type { StepContext, TapRequest, TermSpec } from './method.js';
import type { TappedModel } from './model.js';
import type { Participant, Role } from './participant.js';
import type { TapSpec } from './taps.js';

/**
 * How a metric reads: a `fraction` in [0, 1] (accuracy, mAP, recall@K; shown as a percentage) or a
 * `score` on its own scale (a loss, CIDEr-D; shown as a number).
 */
export type MetricUnit = 'fraction' | 'score';

/** One number a task's evaluation produces. */
export interface MetricSpec {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly higherIsBetter: boolean;
  readonly description: string;
}

/** Metric values by name (a task's evaluation of one model on one split). */
export type Metrics = Readonly<Record<string, number>>;

/** What a task sees when it is set up for a run, after its hyperparameters are parsed. */
export interface TaskSetupContext<H> {
  readonly hparams: H;
  readonly data: DataInfo;
  /** The model the task trains and evaluates (the student; a teacher when a teacher is trained first). */
  readonly student: Participant;
  /** Tap spec lookup that throws a MissingTapError naming the tap, model and task. */
  tap(role: Role, tap: string, model?: string): TapSpec;
}

/** What a task's evaluation sees: one model in inference mode over a whole split. */
export interface EvaluationContext {
  readonly model: TappedModel;
  readonly split: DataSplit;
  readonly batchSize: number;
  readonly data: DataInfo;
}

/**
 * What a model is trained to do and how it is judged: the student's own loss as named terms
 * (`task.<term>`, weighted and switchable like a method's), and the evaluation of a model on a split
 * as named metrics, one of which (the descriptor's `primary`) picks the best checkpoint.
 * Implementations are classes resolved per run, like methods; `setup` runs once per run.
 */
export interface Task<H = unknown> {
  setup(ctx: TaskSetupContext<H>): void;
  /** Taps `losses` and `evaluate` read on the trained model (validated at build time). */
  requiredTaps(): readonly TapRequest[];
  /** Batch keys `losses` and `evaluate` read (checked against the dataset's declaration at build time). */
  requiredBatchKeys?(): readonly BatchKeyRequest[];
  /** Dataset facets the task reads (checked at build time). */
  requiredFacets?(): readonly Facet<unknown>[];
  /**
   * Optional: the terms `model` cannot have (e.g. the RPN terms of a detector without an RPN), with why.
   * A run switches such a term off when it is at its default weight and refuses a config that weights it
   * (`task.weights.<term>`), before anything trains; it asks for each model the task trains.
   */
  unavailableTerms?(model: TappedModel): readonly { readonly term: string; readonly why: string }[];
  /** The metrics `evaluate` returns for this run's data (the descriptor's, refined by the data, e.g. per class group). */
  metrics(): readonly MetricSpec[];
  /** Named loss terms for one step, unweighted; only those in `step.active` need be computed. */
  losses(step: StepContext): Record<string, tf.Scalar>;
  /** The task's metrics of `ctx.model` on `ctx.split` (inference mode, every sample once). */
  evaluate(ctx: EvaluationContext): Metrics;
}

/** Cheap, static description of a task (listing tasks creates no instance). */
export interface TaskDescriptor {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly hparams: HParamSchema;
  readonly terms: readonly TermSpec[];
  /** The metrics every run of the task reports (a run may add data-dependent ones, see `Task.metrics`). */
  readonly metrics: readonly MetricSpec[];
  /** The metric that picks the best checkpoint (on val) and heads result tables. */
  readonly primary: string;
  readonly impl: new (...args: any[]) => Task<any>;
}
