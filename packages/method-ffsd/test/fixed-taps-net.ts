import * as tf from '@tensorflow/tfjs';
import { TappedModel, type TapSpecs, type TapValues } from '@kd/core';

/**
 * A "network" whose taps are trainable variables holding fixed values (NHWC feature maps, logits):
 * its forward returns them, so the gradient of a loss with respect to a tap is the gradient with
 * respect to that variable. For golden tests of losses defined on several networks' taps.
 */
export class FixedTapsNet extends TappedModel {
  readonly arch = 'fixed-taps';
  private readonly values = new Map<string, tf.Variable>();

  constructor(taps: Record<string, tf.Tensor>) {
    super();
    for (const [name, value] of Object.entries(taps)) this.values.set(name, this.addParam(name, value));
  }

  variable(tap: string): tf.Variable {
    return this.values.get(tap)!;
  }

  tapSpecs(): TapSpecs {
    const specs: Record<string, TapSpecs[string]> = {};
    for (const [name, v] of this.values) specs[name] = { shape: v.shape.slice(1), kind: name === 'logits' ? 'logits' : 'feature' };
    return specs;
  }

  forward(): TapValues {
    return Object.fromEntries(this.values);
  }
}
