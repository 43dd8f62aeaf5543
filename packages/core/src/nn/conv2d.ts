import * as tf from '@tensorflow/tfjs';
import { Module } from '../contract/module.js';
import type { Rng } from '../util/rng.js';
import { kaimingNormalFanOut, uniformTensor, torchDefaultBound } from './init.js';

export interface Conv2dOptions {
  readonly kernel: number;
  readonly stride?: number;
  /** 'same' or 'valid'; or an explicit symmetric pad (PyTorch style). */
  readonly padding?: 'same' | 'valid' | number;
  readonly bias?: boolean;
  /** Depthwise: one filter per input channel (groups = channels), `out = in · multiplier`. */
  readonly depthwise?: boolean;
  readonly init?: 'kaiming-fan-out' | 'torch-default';
}

/** 2-D convolution over NHWC maps; filter [kh, kw, in, out]. */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  private readonly stride: number;
  private readonly pad: 'same' | 'valid' | number;
  private readonly depthwise: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    options: Conv2dOptions,
    rng: Rng,
  ) {
    super();
    const k = options.kernel;
    this.stride = options.stride ?? 1;
    this.pad = options.padding ?? 'same';
    this.depthwise = options.depthwise ?? false;
    if (this.depthwise && outChannels % inChannels !== 0) throw new Error('depthwise: out must be a multiple of in');
    const shape: [number, number, number, number] = this.depthwise
      ? [k, k, inChannels, outChannels / inChannels]
      : [k, k, inChannels, outChannels];
    const fanIn = this.depthwise ? k * k : k * k * inChannels;
    this.weight = this.addParam(
      'weight',
      options.init === 'torch-default'
        ? uniformTensor(shape, torchDefaultBound(fanIn), rng)
        : kaimingNormalFanOut(shape, rng),
    );
    if (options.bias) this.bias = this.addParam('bias', uniformTensor([outChannels], torchDefaultBound(fanIn), rng));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let input = x;
      let pad: 'same' | 'valid' = 'valid';
      let explicit: tf.backend_util.ExplicitPadding | undefined;
      if (typeof this.pad === 'number') {
        // The regular conv takes the padding itself (no Pad op forward, no Slice in its gradient).
        if (this.pad > 0 && this.depthwise)
          input = tf.pad(x, [
            [0, 0],
            [this.pad, this.pad],
            [this.pad, this.pad],
            [0, 0],
          ]);
        else if (this.pad > 0)
          explicit = [
            [0, 0],
            [this.pad, this.pad],
            [this.pad, this.pad],
            [0, 0],
          ];
      } else pad = this.pad;
      let y = this.depthwise
        ? tf.depthwiseConv2d(input, this.weight as tf.Tensor4D, this.stride, pad)
        : tf.conv2d(input, this.weight as tf.Tensor4D, this.stride, explicit ?? pad);
      if (this.bias) y = tf.add(y, this.bias);
      return y;
    });
  }
}
