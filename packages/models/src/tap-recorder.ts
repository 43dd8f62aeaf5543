import type * as tf from '@tensorflow/tfjs';
import type { TapValues } from '@kd/core';

/**
 * Collects the taps a forward pass was asked for. `logits` is always kept; with no request every tap
 * is kept. Tensors not recorded stay intermediates and are released by the forward pass's tidy.
 */
export class TapRecorder {
  readonly values: TapValues = {};

  constructor(private readonly wanted: ReadonlySet<string> | undefined) {}

  wants(name: string): boolean {
    return name === 'logits' || this.wanted === undefined || this.wanted.has(name);
  }

  record(name: string, value: tf.Tensor): void {
    if (this.wants(name)) this.values[name] = value;
  }
}
