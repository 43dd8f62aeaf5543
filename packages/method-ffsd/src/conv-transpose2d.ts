import * as tf from '@tensorflow/tfjs';
import { Module, torchDefaultBound, uniformTensor, type Rng } from '@kd/core';

/**
 * 2-D transposed convolution over NHWC maps with PyTorch's ConvTranspose2d geometry
 * (kernel k, stride s, symmetric padding p, output_padding op, no bias):
 *   H_out = (H − 1)·s − 2p + k + op.
 * It is the input-gradient of Conv2d(k, s, p) on an H_out map (tf.conv2dTranspose with an explicit
 * pad p), which is exactly torch's layer when `op` picks that H_out. Filter layout [k, k, out, in]
 * (torch's [in, out, k, k] permuted (2, 3, 1, 0)); init as torch's default for this layer:
 * U(±1/√(out·k²)) (torch computes the transposed layer's fan-in from weight dim 1 = out channels).
 */
export class ConvTranspose2d extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    readonly stride: number,
    readonly padding: number,
    readonly outputPadding: number,
    rng: Rng,
  ) {
    super();
    if (outputPadding >= stride) throw new Error('ConvTranspose2d: output padding must be smaller than the stride');
    const shape = [kernel, kernel, outChannels, inChannels];
    this.weight = this.addParam('weight', uniformTensor(shape, torchDefaultBound(outChannels * kernel * kernel), rng));
  }

  /** Output size of one spatial axis. */
  outSize(size: number): number {
    return (size - 1) * this.stride - 2 * this.padding + this.kernel + this.outputPadding;
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w] = x.shape;
    return tf.conv2dTranspose(
      x,
      this.weight as tf.Tensor4D,
      [b, this.outSize(h), this.outSize(w), this.outChannels],
      this.stride,
      this.padding,
    );
  }
}
