import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Module, type Rng } from '@kd/core';

/** What a pre-activation block produced, including the activation of its input that it computed. */
export interface WideBlockOutput {
  /** Residual sum (no activation: the next block or the final BN–ReLU activates it). */
  readonly out: tf.Tensor4D;
  /** `bn1(x)`: the block input after BN, before ReLU. */
  readonly inputPre: tf.Tensor4D;
  /** `relu(bn1(x))`: the activated block input. */
  readonly inputPost: tf.Tensor4D;
}

/**
 * Pre-activation wide basic block (Zagoruyko & Komodakis; RepDistiller `wrn.py`):
 * BN–ReLU–conv3x3(stride)–BN–ReLU–conv3x3, plus the shortcut: identity when in == out channels,
 * otherwise a 1x1 conv (stride, no padding, no bias, no BN) applied to the activated input.
 * Dropout is omitted (rate 0).
 */
export class WideBasicBlock extends Module {
  readonly bn1: BatchNorm;
  readonly conv1: Conv2d;
  readonly bn2: BatchNorm;
  readonly conv2: Conv2d;
  readonly convShortcut?: Conv2d;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly stride: number,
    rng: Rng,
  ) {
    super();
    this.bn1 = this.addChild('bn1', new BatchNorm(inChannels));
    this.conv1 = this.addChild('conv1', new Conv2d(inChannels, outChannels, { kernel: 3, stride, padding: 1 }, rng));
    this.bn2 = this.addChild('bn2', new BatchNorm(outChannels));
    this.conv2 = this.addChild(
      'conv2',
      new Conv2d(outChannels, outChannels, { kernel: 3, stride: 1, padding: 1 }, rng),
    );
    if (inChannels !== outChannels) {
      this.convShortcut = this.addChild(
        'convShortcut',
        new Conv2d(inChannels, outChannels, { kernel: 1, stride, padding: 0 }, rng),
      );
    }
  }

  apply(x: tf.Tensor4D, training: boolean): WideBlockOutput {
    const inputPre = this.bn1.apply(x, training) as tf.Tensor4D;
    const inputPost = tf.relu(inputPre);
    const h = this.bn2.applyRelu(this.conv1.apply(inputPost), training) as tf.Tensor4D;
    const residual = this.conv2.apply(h);
    const shortcut = this.convShortcut ? this.convShortcut.apply(inputPost) : x;
    return { out: tf.add(shortcut, residual), inputPre, inputPost };
  }
}
