import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Module, type Rng } from '@kd/core';
import { pooledSize } from './shapes.js';

export interface VggBackboneConfig {
  /** Input channels. */
  readonly inChannels: number;
  /** Width of each stage; a 2×2 max-pool (stride 2) sits between consecutive stages, none after the last. */
  readonly widths: readonly number[];
  /** conv3x3 (pad 1, no bias) + BN + ReLU layers per stage (VGG16: 2, 2, 3, 3, 3). */
  readonly convsPerStage: number;
}

/**
 * A VGG-style backbone: stages of conv3x3–BN–ReLU with 2×2 max-pools between them and none after the
 * last, so its output is the last conv map at stride 2^(stages − 1) — VGG16's conv5_3 at stride 16,
 * where Fast R-CNN and WSDDN pool their RoIs (pool5 is replaced by RoI pooling). Batch norm (which
 * VGG16 lacks) keeps the small models trainable from scratch. Variables `stage{s}.conv{i}`,
 * `stage{s}.bn{i}` (1-based).
 */
export class VggBackbone extends Module {
  readonly convs: readonly (readonly Conv2d[])[];
  readonly bns: readonly (readonly BatchNorm[])[];
  /** Feature stride of the output map: 2^(stages − 1). */
  readonly stride: number;
  /** Channels of the output map. */
  readonly outChannels: number;

  constructor(config: VggBackboneConfig, rng: Rng) {
    super();
    const { widths, convsPerStage } = config;
    if (widths.length < 1 || !widths.every((w) => Number.isInteger(w) && w > 0))
      throw new Error(`VggBackbone: widths must be positive integers, got [${widths.join(', ')}]`);
    if (!Number.isInteger(convsPerStage) || convsPerStage < 1)
      throw new Error(`VggBackbone: convsPerStage must be a positive integer, got ${convsPerStage}`);
    let channels = config.inChannels;
    const convs: Conv2d[][] = [];
    const bns: BatchNorm[][] = [];
    widths.forEach((width, s) => {
      const stageConvs: Conv2d[] = [];
      const stageBns: BatchNorm[] = [];
      for (let i = 0; i < convsPerStage; i++) {
        stageConvs.push(
          this.addChild(`stage${s + 1}.conv${i + 1}`, new Conv2d(channels, width, { kernel: 3, padding: 1 }, rng)),
        );
        stageBns.push(this.addChild(`stage${s + 1}.bn${i + 1}`, new BatchNorm(width)));
        channels = width;
      }
      convs.push(stageConvs);
      bns.push(stageBns);
    });
    this.convs = convs;
    this.bns = bns;
    this.stride = 2 ** (widths.length - 1);
    this.outChannels = channels;
  }

  /** Output map size for an [h, w] input (floor at every pool, as PyTorch's MaxPool2d(2)). */
  outputSize(h: number, w: number): [number, number] {
    let size: [number, number] = [h, w];
    for (let s = 1; s < this.convs.length; s++) size = [pooledSize(size[0]), pooledSize(size[1])];
    return size;
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      let y = x;
      this.convs.forEach((stage, s) => {
        if (s > 0) y = tf.maxPool(y, 2, 2, 'valid');
        stage.forEach((conv, i) => (y = this.bns[s]![i]!.applyRelu(conv.apply(y), training) as tf.Tensor4D));
      });
      return y;
    });
  }
}
