import * as tf from '@tensorflow/tfjs';
import { Module } from '@kd/core';

/**
 * The student's learnable soft-target scale a = 1/t (WSD-KD's `fc8_mscoco_soft` Scale layer): one value
 * per class (the official layer scales the class axis: K values) or one for all, initialised at 1/t₀
 * (0.2: t = 5). The official solver trains it at 10× the base learning rate without weight decay: its
 * method puts it in its own optimizer group (`train.groups.<group>`). Parameter `scale`.
 */
export class SoftTargetScale extends Module {
  readonly scale: tf.Variable;

  constructor(size: number, initialTemperature: number) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new Error(`SoftTargetScale: size must be ≥ 1, got ${size}`);
    if (!(initialTemperature > 0))
      throw new Error(`SoftTargetScale: the temperature must be positive, got ${initialTemperature}`);
    this.scale = this.addParam('scale', tf.fill([size], 1 / initialTemperature));
  }
}
