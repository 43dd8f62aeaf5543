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

  /**
   * x · weight + bias. With a bias, one fused product (tf.fused.matMul: the bias added to the
   * product's output in the same kernel on kd's wasm kernels and on the cpu backend — the bits of
   * matMul then add, one tensor fewer per layer).
   */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      this.bias
        ? tf.fused.matMul({ a: x as tf.Tensor2D, b: this.weight as tf.Tensor2D, bias: this.bias })
        : tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D),
    );
  }
}
