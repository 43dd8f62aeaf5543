import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Linear, Module, normalTensor, type Rng } from '@kd/core';

/**
 * The official code's conv init for the fusion and trans-fusion modules: N(0, 2/(k²·out_channels))
 * with torch's `out_channels` of the whole layer, also for the depthwise conv (so its std is
 * √(2/(9·C)), not √(2/9) per group).
 */
function officialConvInit(conv: Conv2d, kernel: number, outChannels: number, rng: Rng): void {
  const w = normalTensor(conv.weight.shape, Math.sqrt(2 / (kernel * kernel * outChannels)), rng);
  conv.weight.assign(w);
  w.dispose();
}

/** depthwise 3×3 (pad 1, no bias) → BN → ReLU → 1×1 conv (no bias) → BN → ReLU, NHWC. */
class DepthwisePointwise extends Module {
  readonly depthwise: Conv2d;
  readonly bn1: BatchNorm;
  readonly pointwise: Conv2d;
  readonly bn2: BatchNorm;

  constructor(inChannels: number, outChannels: number, rng: Rng) {
    super();
    this.depthwise = this.addChild(
      'depthwise',
      new Conv2d(inChannels, inChannels, { kernel: 3, padding: 1, depthwise: true }, rng),
    );
    officialConvInit(this.depthwise, 3, inChannels, rng);
    this.bn1 = this.addChild('bn1', new BatchNorm(inChannels));
    this.pointwise = this.addChild('pointwise', new Conv2d(inChannels, outChannels, { kernel: 1, padding: 0 }, rng));
    officialConvInit(this.pointwise, 1, outChannels, rng);
    this.bn2 = this.addChild('bn2', new BatchNorm(outChannels));
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      const h = tf.relu(this.bn1.apply(this.depthwise.apply(x), training)) as tf.Tensor4D;
      return tf.relu(this.bn2.apply(this.pointwise.apply(h), training)) as tf.Tensor4D;
    });
  }
}

/** Output of the feature fusion module. */
export interface FusionOutput {
  /** fused map F_f [B, H, W, C] (after the second ReLU) */
  readonly fused: tf.Tensor4D;
  /** fused logits z_f [B, classes] */
  readonly logits: tf.Tensor2D;
}

/**
 * FFSD's feature fusion module (official `FusionModule`): input the channel concat of the m common
 * students' last-stage maps [B, H, W, C·m]; depthwise 3×3 + BN + ReLU (C·m channels), 1×1 conv to C
 * + BN + ReLU = F_f; global average pool → Linear → z_f.
 */
export class FeatureFusion extends Module {
  readonly body: DepthwisePointwise;
  readonly fc: Linear;

  constructor(
    readonly channels: number,
    readonly networks: number,
    readonly numClasses: number,
    rng: Rng,
  ) {
    super();
    this.body = this.addChild('body', new DepthwisePointwise(channels * networks, channels, rng));
    this.fc = this.addChild('fc', new Linear(channels, numClasses, rng));
  }

  apply(concat: tf.Tensor4D, training: boolean): FusionOutput {
    return tf.tidy(() => {
      const fused = this.body.apply(concat, training);
      const logits = this.fc.apply(tf.mean(fused, [1, 2])) as tf.Tensor2D;
      return { fused, logits };
    });
  }
}

/**
 * FFSD's trans-fusion module on the leader (official `TransFusionModule`): depthwise 3×3 + BN + ReLU
 * (C channels), 1×1 conv C → C·m + BN + ReLU, re-expanding the leader's last map to the shape of the
 * concatenated common students' maps.
 */
export class TransFusion extends Module {
  readonly body: DepthwisePointwise;

  constructor(
    readonly channels: number,
    readonly networks: number,
    rng: Rng,
  ) {
    super();
    this.body = this.addChild('body', new DepthwisePointwise(channels, channels * networks, rng));
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return this.body.apply(x, training);
  }
}
