import * as tf from '@tensorflow/tfjs';
import { Module } from '../contract/module.js';
import type { Rng } from '../util/rng.js';
import { BatchNorm } from './batch-norm.js';
import { Conv2d } from './conv2d.js';

/**
 * Connector kinds. `conv-bn-relu` (the usual default) is RepDistiller's / mdistiller's `ConvReg` and
 * the `transfer_conv` of the KD_SRRL code; `conv-bn` is `ConvReg(use_relu=False)`; `conv` is a bare
 * convolutional regressor.
 */
export const CONNECTOR_KINDS = ['conv-bn-relu', 'conv-bn', 'conv'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

/** The connector's conv: `inChannels → outChannels`, square `kernel`, `stride`, symmetric `padding`. */
export interface ConnectorGeometry {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
}

/** A 1x1 conv, stride 1, no padding: maps channels and keeps the spatial size. */
export function pointwiseGeometry(inChannels: number, outChannels: number): ConnectorGeometry {
  return { inChannels, outChannels, kernel: 1, stride: 1, padding: 0 };
}

/**
 * A student feature map [B, H, W, C_s] to the teacher's channels (FitNets' regressor r, AdaIN-KD's ρ):
 * conv (bias, PyTorch default init) → BatchNorm (batch statistics in training; running stats updated)
 * → ReLU, per `kind`. The geometry (usually `pointwiseGeometry`) is the caller's: the methods size it
 * from their taps. Variable paths: `conv.weight`, `conv.bias`, `bn.gamma`, `bn.beta`, `bn.running_*`.
 */
export class ConvConnector extends Module {
  readonly conv: Conv2d;
  readonly bn?: BatchNorm;

  constructor(
    readonly geometry: ConnectorGeometry,
    readonly kind: ConnectorKind,
    rng: Rng,
  ) {
    super();
    const g = geometry;
    this.conv = this.addChild(
      'conv',
      new Conv2d(
        g.inChannels,
        g.outChannels,
        { kernel: g.kernel, stride: g.stride, padding: g.padding, bias: true, init: 'torch-default' },
        rng,
      ),
    );
    if (kind !== 'conv') this.bn = this.addChild('bn', new BatchNorm(g.outChannels));
  }

  /** `training` selects batch statistics (the methods train their connectors whenever they use them). */
  apply(x: tf.Tensor, training = true): tf.Tensor {
    return tf.tidy(() => {
      let y: tf.Tensor = this.conv.apply(x as tf.Tensor4D);
      if (this.bn) y = this.bn.apply(y, training);
      if (this.kind === 'conv-bn-relu') y = tf.relu(y);
      return y;
    });
  }
}
