import * as tf from '@tensorflow/tfjs';
import { Conv2d, Module, Rng, normalTensor } from '@kd/core';

/**
 * The head of a region proposal network (torchvision 0.14 `RPNHead`): `convs` conv3x3 + ReLU layers
 * (channels kept), then a 1×1 conv to one objectness logit per anchor and a 1×1 conv to 4 box deltas
 * per anchor, at every location of the feature map. Every weight starts N(0, 0.01²), every bias 0
 * (its init). NHWC: the objectness channels are the anchors of a location, the delta channels their
 * (dx, dy, dw, dh) anchor-major, so reshaping to [B, H·W·anchors] and [B, H·W·anchors, 4] gives
 * torchvision's location-major, anchor-minor order.
 */
export class RpnHead extends Module {
  readonly convs: readonly Conv2d[];
  readonly objectness: Conv2d;
  readonly deltas: Conv2d;

  constructor(
    channels: number,
    readonly anchorsPerLocation: number,
    convs: number,
    rng: Rng,
  ) {
    super();
    const conv = (name: string, out: number, kernel: number) => {
      const c = this.addChild(
        name,
        new Conv2d(channels, out, { kernel, stride: 1, padding: (kernel - 1) / 2, bias: true }, rng),
      );
      tf.tidy(() => {
        c.weight.assign(normalTensor(c.weight.shape, 0.01, rng));
        c.bias!.assign(tf.zerosLike(c.bias!));
      });
      return c;
    };
    this.convs = Array.from({ length: convs }, (_, i) => conv(`conv${i + 1}`, channels, 3));
    this.objectness = conv('objectness', anchorsPerLocation, 1);
    this.deltas = conv('deltas', 4 * anchorsPerLocation, 1);
  }

  /** Objectness logits [B, H·W·n] and deltas [B, H·W·n, 4] of the n anchors at each location of `x`. */
  apply(x: tf.Tensor4D): { objectness: tf.Tensor2D; deltas: tf.Tensor3D } {
    return tf.tidy(() => {
      let t = x;
      for (const c of this.convs) t = tf.relu(c.apply(t));
      const b = x.shape[0];
      return {
        objectness: tf.reshape(this.objectness.apply(t), [b, -1]) as tf.Tensor2D,
        deltas: tf.reshape(this.deltas.apply(t), [b, -1, 4]) as tf.Tensor3D,
      };
    });
  }
}
