import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Module, type Rng } from '@kd/core';

/**
 * Connector kinds: `conv-bn-relu` (default) is the `transfer_conv` of the authors' later KD_SRRL code
 * (1x1 conv + BN + ReLU), the methods.md reconstruction; `conv-bn` drops the ReLU; `conv` the BN too.
 */
export const CONNECTOR_KINDS = ['conv-bn-relu', 'conv-bn', 'conv'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

/**
 * ρ: the student's feature to the teacher's channel count, a 1x1 conv (bias, PyTorch default init)
 * then BatchNorm (batch statistics in training) then ReLU, per `kind`. Statistics are spatially
 * pooled, so the spatial sizes of student and teacher need not match.
 */
export class StatConnector extends Module {
  readonly conv: Conv2d;
  readonly bn?: BatchNorm;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kind: ConnectorKind,
    rng: Rng,
  ) {
    super();
    this.conv = this.addChild('conv', new Conv2d(inChannels, outChannels, { kernel: 1, stride: 1, padding: 0, bias: true, init: 'torch-default' }, rng));
    if (kind !== 'conv') this.bn = this.addChild('bn', new BatchNorm(outChannels));
  }

  apply(x: tf.Tensor, training = true): tf.Tensor {
    return tf.tidy(() => {
      let y: tf.Tensor = this.conv.apply(x as tf.Tensor4D);
      if (this.bn) y = this.bn.apply(y, training);
      if (this.kind === 'conv-bn-relu') y = tf.relu(y);
      return y;
    });
  }
}

/** One connector per tap pair; children `0`, `1`, … (variable paths `0.conv.weight`, …). */
export class ConnectorSet extends Module {
  readonly items: readonly StatConnector[];

  constructor(items: readonly StatConnector[]) {
    super();
    this.items = items.map((c, i) => this.addChild(String(i), c));
  }
}
