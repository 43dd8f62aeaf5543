import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Module, type Rng } from '@kd/core';
import { ConvTranspose2d } from './conv-transpose2d.js';

/** One up-sampling block: ConvTranspose2d(k3, s2, p1, output_padding 1, no bias) → BN → ReLU. */
class UpBlock extends Module {
  readonly deconv: ConvTranspose2d;
  readonly bn: BatchNorm;

  constructor(inChannels: number, outChannels: number, rng: Rng) {
    super();
    this.deconv = this.addChild('deconv', new ConvTranspose2d(inChannels, outChannels, 3, 2, 1, 1, rng));
    this.bn = this.addChild('bn', new BatchNorm(outChannels));
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => tf.relu(this.bn.apply(this.deconv.apply(x), training)) as tf.Tensor4D);
  }
}

/**
 * FFSD's self-distillation module (official `SelfDistillationModel`): a chain of `blocks` up-sampling
 * blocks, each doubling H and W and halving the channels (C → C/2 → C/4 …), that maps a network's
 * deepest map to the shapes of its shallower stages. `apply` returns the block outputs shallow-first,
 * i.e. aligned with stages 1 … L−1 (the official code reverses its hooked outputs the same way).
 */
export class SelfDistillationModule extends Module {
  private readonly chain: UpBlock[] = [];

  constructor(
    readonly inChannels: number,
    readonly blocks: number,
    rng: Rng,
  ) {
    super();
    let c = inChannels;
    for (let i = 0; i < blocks; i++) {
      const out = Math.floor(c / 2);
      this.chain.push(this.addChild(`block${i}`, new UpBlock(c, out, rng)));
      c = out;
    }
  }

  /** Output shapes [H, W, C] shallow-first for a deep map of size [h, w] (no batch dim). */
  outputShapes(h: number, w: number): [number, number, number][] {
    const shapes: [number, number, number][] = [];
    let c = this.inChannels;
    for (const b of this.chain) {
      h = b.deconv.outSize(h);
      w = b.deconv.outSize(w);
      c = b.deconv.outChannels;
      shapes.push([h, w, c]);
    }
    return shapes.reverse();
  }

  apply(deep: tf.Tensor4D, training: boolean): tf.Tensor4D[] {
    const outs: tf.Tensor4D[] = [];
    let x = deep;
    for (const b of this.chain) {
      x = b.apply(x, training);
      outs.push(x);
    }
    return outs.reverse();
  }
}
