import * as tf from '@tensorflow/tfjs';
import { Module } from '../contract/module.js';
import type { Rng } from '../util/rng.js';
import { torchDefaultBound, uniformTensor } from './init.js';

/** Fully connected layer, weight [in, out] (PyTorch default init). */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    bias = true,
  ) {
    super();
    const bound = torchDefaultBound(inFeatures);
    this.weight = this.addParam('weight', uniformTensor([inFeatures, outFeatures], bound, rng));
    if (bias) this.bias = this.addParam('bias', uniformTensor([outFeatures], bound, rng));
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }
}
