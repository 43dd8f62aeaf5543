import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Module, type Rng } from '@kd/core';
import { stridedSize } from './shapes.js';

/** Option-B projection shortcut: 1x1 conv (stride, no padding, no bias) + BN; children `0` and `1`. */
export class Downsample extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm;

  constructor(inChannels: number, outChannels: number, stride: number, rng: Rng) {
    super();
    this.conv = this.addChild('0', new Conv2d(inChannels, outChannels, { kernel: 1, stride, padding: 0 }, rng));
    this.bn = this.addChild('1', new BatchNorm(outChannels));
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return this.bn.apply(this.conv.apply(x), training) as tf.Tensor4D;
  }
}

/** What a residual block produced: the output and the value just before its final ReLU. */
export interface BlockOutput {
  readonly out: tf.Tensor4D;
  readonly preact: tf.Tensor4D;
}

/**
 * The post-activation ResNet BasicBlock (He et al. 2016): conv3x3(stride)–BN–ReLU–conv3x3–BN, plus
 * the shortcut (identity, or `downsample` when the shape changes), then ReLU. Convs use PyTorch's
 * explicit symmetric padding 1, so stride 2 on an odd size gives ceil(H/2) exactly as in PyTorch.
 */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly downsample?: Downsample;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly stride: number,
    rng: Rng,
  ) {
    super();
    this.conv1 = this.addChild('conv1', new Conv2d(inChannels, outChannels, { kernel: 3, stride, padding: 1 }, rng));
    this.bn1 = this.addChild('bn1', new BatchNorm(outChannels));
    this.conv2 = this.addChild(
      'conv2',
      new Conv2d(outChannels, outChannels, { kernel: 3, stride: 1, padding: 1 }, rng),
    );
    this.bn2 = this.addChild('bn2', new BatchNorm(outChannels));
    if (stride !== 1 || inChannels !== outChannels) {
      this.downsample = this.addChild('downsample', new Downsample(inChannels, outChannels, stride, rng));
    }
  }

  /** Spatial size of the output for an input of size `size`. */
  outSize(size: number): number {
    return stridedSize(size, this.stride);
  }

  apply(x: tf.Tensor4D, training: boolean): BlockOutput {
    let h = this.bn1.applyRelu(this.conv1.apply(x), training);
    h = this.bn2.apply(this.conv2.apply(h as tf.Tensor4D), training);
    const residual = this.downsample ? this.downsample.apply(x, training) : x;
    const preact = tf.add(h, residual) as tf.Tensor4D;
    return { out: tf.relu(preact), preact };
  }
}
