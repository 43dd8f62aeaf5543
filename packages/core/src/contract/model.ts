import type { DataInfo } from './dataset.js';
import type { Batch } from './batch.js';
import type { BatchKeyRequest } from './batch-keys.js';
import type { Facet } from './facets.js';
import type { StepContext } from './method.js';
import type { Scalar } from '@tensorflow/tfjs';
import { Module } from './module.js';
import type { TapSpecs, TapValues } from './taps.js';

export interface ForwardOptions {
  /** Training mode: batch norm uses batch statistics and updates its running averages. */
  readonly training: boolean;
  /** Taps wanted besides `logits`; models may return more. Undefined means all. */
  readonly taps?: ReadonlySet<string>;
  /**
   * In training, the seed stochastic layers (dropout) draw from: the trainer derives it from the run's
   * seed, the participant, the epoch and the step, so a resumed run draws what the uninterrupted one
   * did. Absent (evaluation, frozen models): no dropout.
   */
  readonly seed?: number;
}

/**
 * A model with named taps. Teachers and students are both TappedModels; which one is which is the
 * run's business (see Participant), not the model's.
 */
export abstract class TappedModel extends Module {
  abstract readonly arch: string;
  /** Declared taps (shapes without batch dim). */
  abstract tapSpecs(): TapSpecs;
  /** Runs the model on a batch; always returns `logits` when the model is a classifier. */
  abstract forward(batch: Batch, options: ForwardOptions): TapValues;
  /** Batch keys `forward` reads (default: `x`, the input images); checked against the dataset at build time. */
  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [{ key: 'x', dtype: 'float32' }];
  }
  /**
   * Optional: the model's own version of a task's loss terms, when the task's would be wrong for it
   * (WSDDN's image-level scores are probabilities, so its BCE must not apply a sigmoid again). Returns
   * the same term names as the task (so `task.weights` still apply), or undefined to use the task's.
   */
  ownTaskLoss?(task: string): ModelTaskLoss | undefined;
  /** Dataset facets the model was built from or reads (checked at build time). */
  requiredFacets?(): readonly Facet<unknown>[];
  /**
   * Optional: runs the rest of the network from a tap, given a replacement value for it, with the rest
   * of the model's inputs taken from `batch` (the one resume mechanism). Examples: AdaIN-KD injects
   * student statistics into the teacher's feature and lets the teacher's remaining layers judge it (a
   * CNN needs nothing from the batch); VL pre-training re-scores other captions against the same
   * images by resuming `vl-scene` at `regions` with a batch whose `tokens`/`tokenMask` are replaced
   * (the backbone runs once). Returns the taps downstream of `tap`, including `logits`; gradients flow
   * to `value`. Architectures that support it list the tap names in `resumableTaps()`.
   */
  forwardFrom?(tap: string, value: import('@tensorflow/tfjs').Tensor, batch: Batch, options: ForwardOptions): TapValues;
  /** Taps `forwardFrom` can start at. */
  resumableTaps?(): readonly string[];
  /**
   * Optional: called once a run has loaded the student's init sources (`student.init`; also when it
   * names none), before anything trains — for initial values that depend on loaded weights (RVL-BERT:
   * the answer classifier's rows from the loaded word embeddings of the predicate names). A resumed run
   * then restores its checkpoint over them.
   */
  initialised?(): void;
}

/** A model's own computation of a task's loss terms (see `TappedModel.ownTaskLoss`). */
export interface ModelTaskLoss {
  /** Unweighted terms named as the task's; only those in `step.active` need be computed. */
  losses(step: StepContext): Record<string, Scalar>;
}

/** What a model architecture needs to be built. */
export interface ModelBuildInput {
  /** Input shape without batch dim, NHWC (e.g. [28, 28, 1]). */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Seed for weight initialisation. */
  readonly seed: number;
  /** Architecture-specific options (validated by the architecture's schema). */
  readonly options: Record<string, unknown>;
  /** What is known about the data beyond shape and classes (e.g. its text vocabulary), when a run builds the model. */
  readonly data?: DataInfo;
  /** The folder relative file paths in `options` are read against (the config file's folder); see `resolveConfigPath`. */
  readonly baseDir?: string;
  /**
   * The architectures registered in the run, so a composite model (an encoder with heads, a teacher run
   * on crops) builds its parts from any of them, a plugin's included. Absent: the composite's own
   * package's architectures.
   */
  readonly architectures?: readonly ModelArchitecture[];
}

/** A registered architecture (e.g. resnet20). Listing architectures builds nothing. */
export interface ModelArchitecture {
  readonly id: string;
  readonly description: string;
  build(input: ModelBuildInput): TappedModel;
}
