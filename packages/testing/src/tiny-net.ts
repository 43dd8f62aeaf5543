import * as tf from '@tensorflow/tfjs';
import {
  BatchNorm,
  Conv2d,
  Linear,
  Module,
  Rng,
  TappedModel,
  type Batch,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';

/**
 * stem (conv1/bn1) -> layer1 (stride 1) -> layer2 (stride 2) -> global pool -> fc. With
 * `layout: 'custom'` the same network names its children stemconv/stembn/blockA/blockB/head (a
 * variable layout the FitNets path rules do not know).
 */
export class TinyNet extends TappedModel {
  readonly arch = 'tiny';
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm;
  private readonly l1conv: Conv2d;
  private readonly l1bn: BatchNorm;
  private readonly l2conv: Conv2d;
  private readonly l2bn: BatchNorm;
  private readonly fc: Linear;
  private readonly layer1: TinyStage;
  private readonly layer2: TinyStage;

  constructor(
    readonly width: number,
    readonly inputSize: number,
    readonly numClasses: number,
    seed: number,
    layout: 'resnet' | 'custom' = 'resnet',
  ) {
    super();
    const rng = new Rng(seed);
    const n =
      layout === 'resnet'
        ? { conv1: 'conv1', bn1: 'bn1', layer1: 'layer1', layer2: 'layer2', fc: 'fc' }
        : { conv1: 'stemconv', bn1: 'stembn', layer1: 'blockA', layer2: 'blockB', fc: 'head' };
    this.conv1 = this.addChild(n.conv1, new Conv2d(1, width, { kernel: 3 }, rng));
    this.bn1 = this.addChild(n.bn1, new BatchNorm(width));
    this.layer1 = this.addChild(n.layer1, new TinyStage());
    this.l1conv = this.layer1.add('conv', new Conv2d(width, width, { kernel: 3 }, rng));
    this.l1bn = this.layer1.add('bn', new BatchNorm(width));
    this.layer2 = this.addChild(n.layer2, new TinyStage());
    this.l2conv = this.layer2.add('conv', new Conv2d(width, 2 * width, { kernel: 3, stride: 2 }, rng));
    this.l2bn = this.layer2.add('bn', new BatchNorm(2 * width));
    this.fc = this.addChild(n.fc, new Linear(2 * width, numClasses, rng));
  }

  tapSpecs(): TapSpecs {
    const s = this.inputSize;
    return {
      stage1: { shape: [s, s, this.width], kind: 'feature' },
      stage2: { shape: [s / 2, s / 2, 2 * this.width], kind: 'feature' },
      logits: { shape: [this.numClasses], kind: 'logits' },
    };
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    const tr = options.training;
    const stem = tf.relu(this.bn1.apply(this.conv1.apply(batch.x as tf.Tensor4D), tr)) as tf.Tensor4D;
    const stage1 = tf.relu(this.l1bn.apply(this.l1conv.apply(stem), tr)) as tf.Tensor4D;
    const stage2 = tf.relu(this.l2bn.apply(this.l2conv.apply(stage1), tr)) as tf.Tensor4D;
    const logits = this.fc.apply(tf.mean(stage2, [1, 2]));
    return { stage1, stage2, logits };
  }
}

/** A named group of layers (variable paths `layerK.conv.weight`, …). */
class TinyStage extends Module {
  add<M extends Module>(name: string, m: M): M {
    return this.addChild(name, m);
  }
}
