import type * as tf from '@tensorflow/tfjs';
import type { Batch } from './batch.js';
import type { BatchKeyRequest } from './batch-keys.js';
import type { Facet } from './facets.js';
import type { DataInfo, DataSplit } from './dataset.js';
import type { HParamSchema } from './hparams.js';
import type { ModelArchitecture, TappedModel } from './model.js';
import type { Module } from './module.js';
import type { Participant, Role } from './participant.js';
import type { TapSpec, TapValues } from './taps.js';

/** A loss term a method can produce, with its default weight. Weight 0 switches it off (not computed). */
export interface TermSpec {
  readonly name: string;
  readonly defaultWeight: number;
  readonly description: string;
}

/** A tap a method reads, on one participant. `model` defaults to the primary teacher / student. */
export interface TapRequest {
  readonly role: Role;
  readonly tap: string;
  readonly model?: string;
}

/** A trainable part added by a method (connector, adaptor, fusion module, peer network, …). */
export interface AuxModule {
  readonly name: string;
  readonly module: Module;
  /**
   * Optimizer group. Variables of the group `main` (default) share the run's optimizer; any other
   * group gets its own optimizer from `train.groups.<group>` in the config (or the main settings),
   * and in a method stage from `methods[i].stages.<stage>.groups.<group>` on top of those.
   */
  readonly group?: string;
}

/** What a method sees when it is set up for a run, after its hyperparameters are parsed. */
export interface MethodSetupContext<H> {
  readonly hparams: H;
  readonly data: DataInfo;
  readonly teacher?: Participant;
  readonly student: Participant;
  readonly participants: readonly Participant[];
  /** Tap spec lookup that throws a MissingTapError naming the tap, model and method. */
  tap(role: Role, tap: string, model?: string): TapSpec;
  /** Seed for the method's own initialisations. */
  readonly seed: number;
  /** Builds extra networks (e.g. peers) from registered architectures. */
  architecture(id: string): ModelArchitecture;
  /**
   * Builds a fresh copy of a participant's network (same architecture, options and data) with new
   * weights drawn from `seed`: the peers of online KD (FFSD's common students, DML).
   */
  buildLike(participant: string, seed: number): TappedModel;
  /**
   * The method's own terms whose distillation-stage weight is non-zero (as `StepContext.active` will
   * hold them); undefined when unknown (tests), to be read as "any term may be active". A method may
   * leave out of `requiredTaps` the taps only its switched-off terms read, so they are not computed
   * every step (WSD-KD's student region features when its `feature` term is off).
   */
  readonly activeTerms?: ReadonlySet<string>;
}

/** One training step as a method sees it. Teacher taps are constants (no gradient) unless trainable. */
export interface StepContext {
  readonly batch: Batch;
  /** Tap values by participant name. */
  readonly outputs: Readonly<Record<string, TapValues>>;
  readonly teacher?: TapValues;
  readonly student: TapValues;
  readonly epoch: number; // 1-based
  readonly step: number; // global step, 0-based
  readonly stepsPerEpoch: number;
  readonly totalEpochs: number;
  /**
   * The receiver's own terms (unqualified names, as it declared them: a method's `terms`, a stage's
   * `terms`, a task's terms) whose weight is non-zero in the current stage; the receiver computes only
   * these. The weights are the distillation stage's (`methods[i].weights`, `task.weights`) in
   * `losses`/`onStepEnd`, a method stage's (`methods[i].stages.<name>.weights` over the stage's
   * defaults) in `StageSpec.losses`, and the task's defaults when a teacher is trained.
   */
  readonly active: ReadonlySet<string>;
  /**
   * A participant's tap this step. A tap that is missing here is a bug in the method (it did not
   * request the tap in `requiredTaps`/`StageSpec.taps`, or names a participant the stage does not
   * run), not a user error: throws an Error naming the participant and the tap.
   */
  tap(participant: string, name: string): tf.Tensor;
  /**
   * Runs a participant's model (by name) or a model of the method's own (an aux `TappedModel`, e.g.
   * FFSD's peers) on `batch`, placed as the trainer places participants: a model this stage trains
   * (some of its parameters are in the stage's optimizer groups) runs in training mode, its forward on
   * the gradient tape; any other — frozen, or not trained in this stage — runs in inference mode (batch
   * norm on its running statistics, not updated) and its weights get no gradient. `taps`: the taps
   * wanted besides `logits` (default all). The tensors returned live until the end of the step.
   */
  forward(model: string | TappedModel, batch: Batch, options?: StepForwardOptions): TapValues;
}

/** Options of `StepContext.forward`. */
export interface StepForwardOptions {
  /** Taps wanted besides `logits` (default: every tap the model computes). */
  readonly taps?: Iterable<string>;
}

/**
 * An extra training stage a method needs before the distillation stage (e.g. FitNets' hint stage).
 * The stage trains `trainable` (names of participants and aux modules) on its own `terms` only, with
 * the settings of `methods[i].stages.<name>` in the config (epochs, optimizer, schedule, groups,
 * weights, evaluation; see the runner's README).
 */
export interface StageSpec {
  readonly name: string;
  readonly description: string;
  readonly defaultEpochs: number;
  /**
   * The stage's loss terms (unprefixed; logged as `<methodId>.<term>`) with their default weights:
   * total = Σ weight · term. `methods[i].stages.<name>.weights` overrides them; weight 0 leaves a term
   * out of `step.active` (not computed).
   */
  readonly terms: readonly TermSpec[];
  /**
   * Participant names ("student", …) and aux module names whose variables train in this stage. An aux
   * module trains in its own optimizer group (`AuxModule.group`), participants in `main`.
   */
  readonly trainable: readonly string[];
  /** Taps needed from each participant during the stage. */
  readonly taps: readonly TapRequest[];
  /** Optional: train only part of a participant (variable path prefixes, e.g. FitNets' lower layers). */
  readonly variableFilter?: (participant: string, path: string) => boolean;
  /** The stage's unweighted terms for one step; only those in `step.active` need be computed. */
  losses(step: StepContext): Record<string, tf.Scalar>;
}

/** Serializable method state (e.g. a negative queue); saved with checkpoints. */
export interface MethodState {
  tensors: Record<string, tf.Tensor>;
  values: Record<string, number | string | boolean>;
}

/**
 * A distillation method plugin. Implementations are classes resolved per run from a child
 * container; `setup` runs once per run before training. Its loss terms are declared once, on its
 * `MethodDescriptor` (`terms`); `losses` returns some of those names.
 */
export interface DistillationMethod<H = unknown> {
  setup(ctx: MethodSetupContext<H>): void;
  /** Taps read by `losses` (validated at build time; missing taps are reported by name). */
  requiredTaps(): readonly TapRequest[];
  /** Batch keys `losses` reads besides the models' (checked against the dataset's declaration at build time). */
  requiredBatchKeys?(): readonly BatchKeyRequest[];
  /** Dataset facets the method reads (checked at build time). */
  requiredFacets?(): readonly Facet<unknown>[];
  /** Trainable auxiliary modules created in `setup`. */
  auxModules(): readonly AuxModule[];
  /** Extra stages run before distillation, in order. */
  stages?(): readonly StageSpec[];
  /** Named loss terms for one step; only those in `step.active` need be computed. */
  losses(step: StepContext): Record<string, tf.Scalar>;
  onEpochStart?(epoch: number): void;
  /** After the optimizer step; receives the step's outputs (e.g. to push into a queue). */
  onStepEnd?(step: StepContext): void;
  getState?(): MethodState;
  setState?(state: MethodState): void;
  /**
   * Optional: further metrics after the distillation stage, by name (fractions in [0, 1]; on the
   * test split unless the name says otherwise), e.g. FFSD's common students, fusion head and ensemble. The runner reports them in
   * `summary.json` as `reported["<method>.<name>"]` and sweeps tabulate them.
   */
  report?(ctx: ReportContext): Record<string, number>;
  dispose?(): void;
}

/** What a method's `report` sees: the test split, the trained student and every participant (e.g. for an ensemble with the teacher). */
export interface ReportContext {
  readonly split: DataSplit;
  readonly batchSize: number;
  readonly student: TappedModel;
  /** Every model of the run, teachers included (their weights as the run left them; run them in inference mode). */
  readonly participants: readonly Participant[];
}

export interface PaperRef {
  readonly title: string;
  readonly authors: string;
  readonly venue: string;
  readonly year: number;
  readonly url?: string;
}

/** Cheap, static description of a method (listing methods creates no instance). */
export interface MethodDescriptor {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly paper: PaperRef;
  readonly hparams: HParamSchema;
  /** Loss terms, unprefixed (the runner namespaces them as `<methodId>.<term>`); the only declaration of them. */
  readonly terms: readonly TermSpec[];
  readonly impl: new (...args: any[]) => DistillationMethod<any>;
}
