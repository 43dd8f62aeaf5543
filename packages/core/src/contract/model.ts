import type { DataInfo } from './dataset.js';
import type { Batch } from './batch.js';
import type { BatchKeyRequest } from './batch-keys.js';
import type { Facet } from './facets.js';
import { Module } from './module.js';
import type { TapSpecs, TapValues } from './taps.js';

export interface ForwardOptions {
  /** Training mode: batch norm uses batch statistics and updates its running averages. */
  readonly training: boolean;
  /** Taps wanted besides `logits`; models may return more. Undefined means all. */
  readonly taps?: ReadonlySet<string>;
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
  /** Dataset facets the model was built from or reads (checked at build time). */
  requiredFacets?(): readonly Facet<unknown>[];
  /**
   * Optional: runs the rest of the network from a tap, given a replacement value for it (e.g. AdaIN-KD
   * injects student statistics into the teacher's feature and lets the teacher's remaining layers
   * judge it). Returns the taps downstream of `tap`, including `logits`. Architectures that support it
   * list the tap names in `resumableTaps()`.
   */
  forwardFrom?(tap: string, value: import('@tensorflow/tfjs').Tensor, options: ForwardOptions): TapValues;
  resumableTaps?(): readonly string[];
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
}

/** A registered architecture (e.g. resnet20). Listing architectures builds nothing. */
export interface ModelArchitecture {
  readonly id: string;
  readonly description: string;
  build(input: ModelBuildInput): TappedModel;
}
