import type * as tf from '@tensorflow/tfjs';

/**
 * An optimizer over named variables. State (momentum buffers, moments, step count) lives in named
 * tensors so checkpoints can save and restore it exactly.
 */
export interface Optimizer {
  /** Applies one update; `grads` by variable path (missing = no gradient this step). */
  step(vars: ReadonlyMap<string, tf.Variable>, grads: Readonly<Record<string, tf.Tensor>>, lr: number): void;
  getState(): Record<string, tf.Tensor>;
  setState(state: Readonly<Record<string, tf.Tensor>>): void;
  dispose(): void;
}
