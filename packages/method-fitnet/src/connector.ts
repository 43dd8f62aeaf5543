import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Module, UserError, type Rng, type TapSpec } from '@kd/core';

/**
 * Connector kinds. `conv-bn-relu` is RepDistiller's / mdistiller's `ConvReg` (the default); `conv-bn`
 * is `ConvReg(use_relu=False)`; `conv` is a bare convolutional regressor.
 */
export const CONNECTOR_KINDS = ['conv-bn-relu', 'conv-bn', 'conv'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export interface ConnectorGeometry {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
}

export interface TapRef {
  readonly name: string;
  readonly spec: TapSpec;
}

function describeTap(role: string, t: TapRef): string {
  return `${role} tap '${t.name}' [${t.spec.shape.join(', ')}]`;
}

function featureShape(role: string, t: TapRef): [number, number, number] {
  const s = t.spec.shape;
  if (t.spec.kind !== 'feature' || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UserError(
      `method 'fitnet' needs a feature map [H, W, C] with known sizes; ${describeTap(role, t)} is a '${t.spec.kind}' tap`,
    );
  }
  return [s[0]!, s[1]!, s[2]!];
}

/**
 * Sizes the connector from the declared tap shapes (NHWC, no batch dim), as RepDistiller's ConvReg:
 * - same spatial size: 1x1 conv;
 * - student map k times larger (same integer k on both axes): 3x3 conv, stride k, padding 1
 *   (ConvReg's case for k = 2; output ceil(H/k) = H_t);
 * - anything else (student smaller, non-integer ratio): a UserError naming both shapes.
 */
export function connectorGeometry(student: TapRef, teacher: TapRef): ConnectorGeometry {
  const [sh, sw, sc] = featureShape('student', student);
  const [th, tw, tc] = featureShape('teacher', teacher);
  if (sh === th && sw === tw) return { inChannels: sc, outChannels: tc, kernel: 1, stride: 1, padding: 0 };
  const k = sh / th;
  if (Number.isInteger(k) && k > 1 && sw / tw === k) {
    return { inChannels: sc, outChannels: tc, kernel: 3, stride: k, padding: 1 };
  }
  throw new UserError(
    `method 'fitnet' cannot connect ${describeTap('student', student)} to ${describeTap('teacher', teacher)}: ` +
      'the connector needs equal spatial sizes or a student map larger by the same integer factor on both axes ' +
      '(choose other taps with studentTap / teacherTap)',
  );
}

/**
 * The FitNets regressor r(·) mapping the guided student feature onto the teacher's hint:
 * conv (bias, PyTorch default init) → BatchNorm (batch statistics; running stats updated) → ReLU,
 * per `kind`. Variable paths: `conv.weight`, `conv.bias`, `bn.gamma`, `bn.beta`, `bn.running_*`.
 */
export class HintConnector extends Module {
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
      new Conv2d(g.inChannels, g.outChannels, { kernel: g.kernel, stride: g.stride, padding: g.padding, bias: true, init: 'torch-default' }, rng),
    );
    if (kind !== 'conv') this.bn = this.addChild('bn', new BatchNorm(g.outChannels));
  }

  /** `training` selects batch statistics (FitNets trains the connector whenever the hint is used). */
  apply(x: tf.Tensor, training = true): tf.Tensor {
    return tf.tidy(() => {
      let y: tf.Tensor = this.conv.apply(x as tf.Tensor4D);
      if (this.bn) y = this.bn.apply(y, training);
      if (this.kind === 'conv-bn-relu') y = tf.relu(y);
      return y;
    });
  }
}
