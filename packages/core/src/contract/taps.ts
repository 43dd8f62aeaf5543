/**
 * Named taps: every model's forward pass returns a record of named tensors with declared shapes,
 * so methods address features by name and connectors are sized from the declaration (no dummy pass).
 */
import type * as tf from '@tensorflow/tfjs';

/** What a tap holds; methods may check it (e.g. FitNets wants a `feature` map). */
export type TapKind =
  | 'logits'
  | 'embedding'
  | 'feature' // NHWC map
  | 'attention' // [B, heads, Nq, Nk] probabilities
  | 'hidden' // [B, N, D] token states
  | 'region' // [B, R, D] region embeddings
  | 'other';

export interface TapSpec {
  /** Shape without the batch dimension; -1 marks a size known only at run time (e.g. sequence length). */
  readonly shape: readonly number[];
  readonly kind: TapKind;
  readonly description?: string;
}

/** Declared taps of a model, by name. Every classifier declares at least `logits`. */
export type TapSpecs = Readonly<Record<string, TapSpec>>;

/** Tensors of one forward pass, by tap name. Only the requested taps need be present (plus `logits`). */
export type TapValues = Record<string, tf.Tensor>;

export function channelsOf(spec: TapSpec): number {
  return spec.shape[spec.shape.length - 1]!;
}
