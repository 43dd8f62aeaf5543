import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Rng, type Batch, type ForwardOptions, type TapSpecs, type TapValues } from '@kd/core';
import { BasicBlock } from './basic-block.js';
import { ModuleList } from './module-list.js';
import { checkInputShape, stridedSize } from './shapes.js';
import { PooledClassifier } from './pooled-classifier.js';
import { TapRecorder } from './tap-recorder.js';

export interface CifarResNetConfig {
  /** Input shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** 6n+2 (n BasicBlocks per stage): 8, 14, 20, 32, 56, 110, … */
  readonly depth: number;
  /** Channel widths [stem, stage1, stage2, stage3] (RepDistiller's `num_filters`). */
  readonly widths: readonly number[];
  /** Weight-initialisation seed. */
  readonly seed: number;
  /** Architecture id reported by `arch` (defaults to `resnet{depth}`). */
  readonly arch?: string;
}

/** Widths for base width w: stem w, stages w, 2w, 4w (resnet20 etc. use w = 16). */
export function resnetWidths(base: number): [number, number, number, number] {
  return [base, base, 2 * base, 4 * base];
}

/** The ×4 widths of RepDistiller's resnet8x4 / resnet32x4: stem 32, stages 64, 128, 256. */
export const RESNET_X4_WIDTHS: readonly [number, number, number, number] = [32, 64, 128, 256];

/** Blocks per stage for a CIFAR ResNet depth (6n+2); throws on an invalid depth. */
export function resnetBlocksPerStage(depth: number): number {
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new Error(`CIFAR ResNet depth must be 6n+2 with n >= 1 (8, 14, 20, 32, 56, …), got ${depth}`);
  }
  return (depth - 2) / 6;
}

/**
 * CIFAR-style ResNet (He et al. 2016, as in RepDistiller/mdistiller `resnet.py`): 3x3 conv stem
 * (no max-pool)–BN–ReLU, three stages of n BasicBlocks (stride 2 at the start of stages 2 and 3,
 * option-B 1x1 conv + BN shortcut when the shape changes), global average pool, Linear.
 *
 * Taps: `stem` (post-ReLU stem output), `stage{i}` (post-ReLU stage output), `stage{i}.pre` (the last
 * block's residual sum before its final ReLU, mdistiller's `preact_feats`), `embedding` (pooled
 * vector), `logits`.
 *
 * `forwardFrom` resumes the network at `stem`, `stage{i}`, `stage{i}.pre` or `embedding` (AdaIN-KD
 * feeds the teacher's remaining layers a modified feature); it runs the very same ops as `forward`.
 */
export class CifarResNet extends PooledClassifier {
  readonly arch: string;
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly depth: number;
  readonly widths: readonly [number, number, number, number];
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly stages: readonly ModuleList<BasicBlock>[];

  constructor(config: CifarResNetConfig) {
    super();
    this.inputShape = checkInputShape(config.inputShape);
    if (config.widths.length !== 4 || !config.widths.every((w) => Number.isInteger(w) && w > 0)) {
      throw new Error(
        `ResNet widths must be 4 positive integers [stem, stage1, stage2, stage3], got [${config.widths.join(', ')}]`,
      );
    }
    if (!Number.isInteger(config.numClasses) || config.numClasses < 1) {
      throw new Error(`numClasses must be a positive integer, got ${config.numClasses}`);
    }
    const n = resnetBlocksPerStage(config.depth);
    this.depth = config.depth;
    this.numClasses = config.numClasses;
    this.widths = [config.widths[0]!, config.widths[1]!, config.widths[2]!, config.widths[3]!];
    this.arch = config.arch ?? `resnet${config.depth}`;
    const rng = new Rng(config.seed);
    const [h, w, c] = this.inputShape;
    const [stem, ...stageWidths] = this.widths;

    this.conv1 = this.addChild('conv1', new Conv2d(c, stem, { kernel: 3, stride: 1, padding: 1 }, rng));
    this.bn1 = this.addChild('bn1', new BatchNorm(stem));
    const specs: Record<string, TapSpecs[string]> = {
      stem: { shape: [h, w, stem], kind: 'feature', description: 'stem conv–BN–ReLU output' },
    };
    const stages: ModuleList<BasicBlock>[] = [];
    let inChannels = stem;
    let size: [number, number] = [h, w];
    stageWidths.forEach((width, s) => {
      const stride = s === 0 ? 1 : 2;
      const blocks: BasicBlock[] = [];
      for (let b = 0; b < n; b++) {
        blocks.push(new BasicBlock(inChannels, width, b === 0 ? stride : 1, rng));
        inChannels = width;
      }
      stages.push(this.addChild(`layer${s + 1}`, new ModuleList(blocks)));
      size = [stridedSize(size[0], stride), stridedSize(size[1], stride)];
      const shape = [size[0], size[1], width];
      specs[`stage${s + 1}`] = { shape, kind: 'feature', description: `stage ${s + 1} output (after the final ReLU)` };
      specs[`stage${s + 1}.pre`] = {
        shape,
        kind: 'feature',
        description: `stage ${s + 1} output before the last block's final ReLU (residual sum)`,
      };
    });
    this.stages = stages;
    this.addHead(specs, inChannels, config.numClasses, rng, 'global-average-pooled stage 3 output');
  }

  protected features(input: tf.Tensor4D, training: boolean, taps: TapRecorder): tf.Tensor4D {
    const x = this.bn1.applyRelu(this.conv1.apply(input), training) as tf.Tensor4D;
    taps.record('stem', x);
    return this.stagesFrom(0, x, training, taps);
  }

  /** Runs stages `first`..3 (0-based index `first`) on `x`, recording their taps. */
  private stagesFrom(first: number, input: tf.Tensor4D, training: boolean, taps: TapRecorder): tf.Tensor4D {
    let x = input;
    for (let s = first; s < this.stages.length; s++) {
      const stage = this.stages[s]!;
      for (const block of stage.items) {
        const { out, preact } = block.apply(x, training);
        x = out;
        if (block === stage.items[stage.length - 1]) taps.record(`stage${s + 1}.pre`, preact);
      }
      taps.record(`stage${s + 1}`, x);
    }
    return x;
  }

  /** Taps `forwardFrom` can start at: `stem`, every stage output (post- and pre-ReLU), `embedding`. */
  override resumableTaps(): readonly string[] {
    return ['stem', ...this.stages.flatMap((_, s) => [`stage${s + 1}.pre`, `stage${s + 1}`]), 'embedding'];
  }

  /**
   * The rest of the network from `tap`, with `value` in place of the tap's own value: the taps
   * downstream of `tap` (not `tap` itself), always including `logits`. Gradients flow to `value`.
   * Nothing else is read from the batch (the image is the only input).
   * `stage{i}.pre` resumes with the last block's final ReLU.
   */
  override forwardFrom(tap: string, value: tf.Tensor, _batch: Batch, options: ForwardOptions): TapValues {
    const m = /^stage(\d+)(\.pre)?$/.exec(tap);
    const stage = tap === 'stem' ? 0 : m ? Number(m[1]) : undefined;
    if (tap !== 'embedding' && (stage === undefined || stage > this.stages.length || (m && stage < 1))) {
      throw new Error(
        `model '${this.arch}' cannot resume at tap '${tap}'; resumable: ${this.resumableTaps().join(', ')}`,
      );
    }
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      let embedding = value;
      if (tap !== 'embedding') {
        let x = value as tf.Tensor4D;
        if (m?.[2]) {
          x = tf.relu(x);
          taps.record(`stage${stage}`, x);
        }
        embedding = tf.mean(this.stagesFrom(stage!, x, options.training, taps), [1, 2]);
        taps.record('embedding', embedding);
      }
      taps.record('logits', this.fc.apply(embedding));
      return taps.values;
    }) as TapValues;
  }
}
