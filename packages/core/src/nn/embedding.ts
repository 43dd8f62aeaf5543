import * as tf from '@tensorflow/tfjs';
import { Module } from '../contract/module.js';
import type { Rng } from '../util/rng.js';
import { normalTensor } from './init.js';

/** A lookup table `weight` [num, dim] (PyTorch nn.Embedding: N(0, 1) init unless `std` is given). */
export class Embedding extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly num: number,
    readonly dim: number,
    rng: Rng,
    std = 1,
  ) {
    super();
    this.weight = this.addParam('weight', normalTensor([num, dim], std, rng));
  }

  /** ids (int32, any shape) → [...ids.shape, dim] */
  apply(ids: tf.Tensor): tf.Tensor {
    return tf.gather(this.weight, ids);
  }
}
