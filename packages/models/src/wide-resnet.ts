import * as tf from '@tensorflow/tfjs';
import {
  BatchNorm,
  Conv2d,
  Module,
  Rng,
  type Batch,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { ModuleList } from './module-list.js';
import { checkInputShape, stridedSize } from './shapes.js';
import { PooledClassifier } from './pooled-classifier.js';
import { TapRecorder } from './tap-recorder.js';
import { WideBasicBlock } from './wide-block.js';

export interface WideResNetConfig {
  /** Input shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** 6n+4 (n blocks per stage): 10, 16, 22, 28, 40, … */
  readonly depth: number;
  /** Widening factor k: stage widths 16k, 32k, 64k. */
  readonly widen: number;
  /** Weight-initialisation seed. */
  readonly seed: number;
  /** Architecture id reported by `arch` (defaults to `wrn-{depth}-{widen}`). */
  readonly arch?: string;
}

/** Blocks per stage for a WRN depth (6n+4); throws on an invalid depth. */
export function wrnBlocksPerStage(depth: number): number {
  if (!Number.isInteger(depth) || depth < 10 || (depth - 4) % 6 !== 0) {
    throw new Error(`WRN depth must be 6n+4 with n >= 1 (10, 16, 22, 28, 40, …), got ${depth}`);
  }
  return (depth - 4) / 6;
}

/** One stage of blocks; child `layer` (so paths read `block1.layer.0.conv1.weight`, as in RepDistiller). */
export class WideStage extends Module {
  readonly layer: ModuleList<WideBasicBlock>;

  constructor(blocks: readonly WideBasicBlock[]) {
    super();
    this.layer = this.addChild('layer', new ModuleList(blocks));
  }
}

/**
 * Wide ResNet WRN-d-k (Zagoruyko & Komodakis 2016; RepDistiller `wrn.py`): conv3x3 stem (16),
 * three stages of n pre-activation blocks (widths 16k, 32k, 64k; stride 2 at the start of stages
 * 2 and 3), final BN–ReLU, global average pool, Linear.
 *
 * In a pre-activation network a stage's raw output is a residual sum that the *next* BN–ReLU
 * activates: the first block of the following stage (`block{i+1}.layer.0.bn1`) or, for stage 3,
 * the final `bn1`. Taps follow RepDistiller/mdistiller's `preact` features:
 * `stage{i}.pre` = that BN applied to the stage output (the input of the ReLU),
 * `stage{i}` = its ReLU (the activated stage output, what the next layer actually consumes).
 * Both are computed once in the forward pass anyway (BN running stats are updated once).
 * `stem` is the bare stem conv output (a pre-activation stem has no BN/ReLU of its own).
 *
 * `forwardFrom` resumes the network at `stem`, `stage{i}`, `stage{i}.pre` or `embedding` (AdaIN-KD
 * feeds the teacher's remaining layers a modified feature). Resuming at `stage{i}` (i < 3) enters
 * the next stage's first block *after* its BN–ReLU, which is possible because that block's shortcut
 * is a 1x1 conv on the activated input (the channel count doubles), so the raw residual sum is not
 * needed; the ops are the very same as in `forward`.
 */
export class WideResNet extends PooledClassifier {
  readonly arch: string;
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly depth: number;
  readonly widen: number;
  readonly conv1: Conv2d;
  readonly stages: readonly WideStage[];
  readonly bn1: BatchNorm;

  constructor(config: WideResNetConfig) {
    super();
    this.inputShape = checkInputShape(config.inputShape);
    if (!Number.isInteger(config.widen) || config.widen < 1) {
      throw new Error(`WRN widen factor must be a positive integer, got ${config.widen}`);
    }
    if (!Number.isInteger(config.numClasses) || config.numClasses < 1) {
      throw new Error(`numClasses must be a positive integer, got ${config.numClasses}`);
    }
    const n = wrnBlocksPerStage(config.depth);
    this.depth = config.depth;
    this.widen = config.widen;
    this.numClasses = config.numClasses;
    this.arch = config.arch ?? `wrn-${config.depth}-${config.widen}`;
    const rng = new Rng(config.seed);
    const [h, w, c] = this.inputShape;
    const k = config.widen;
    const widths = [16 * k, 32 * k, 64 * k];

    this.conv1 = this.addChild('conv1', new Conv2d(c, 16, { kernel: 3, stride: 1, padding: 1 }, rng));
    const specs: Record<string, TapSpecs[string]> = {
      stem: {
        shape: [h, w, 16],
        kind: 'feature',
        description: 'stem conv output (no BN/ReLU in a pre-activation net)',
      },
    };
    const stages: WideStage[] = [];
    let inChannels = 16;
    let size: [number, number] = [h, w];
    widths.forEach((width, s) => {
      const stride = s === 0 ? 1 : 2;
      const blocks: WideBasicBlock[] = [];
      for (let b = 0; b < n; b++) {
        blocks.push(new WideBasicBlock(inChannels, width, b === 0 ? stride : 1, rng));
        inChannels = width;
      }
      stages.push(this.addChild(`block${s + 1}`, new WideStage(blocks)));
      size = [stridedSize(size[0], stride), stridedSize(size[1], stride)];
      const shape = [size[0], size[1], width];
      const bn = s < 2 ? `block${s + 2}.layer.0.bn1` : 'bn1';
      specs[`stage${s + 1}`] = {
        shape,
        kind: 'feature',
        description: `stage ${s + 1} output activated: relu(${bn}(sum))`,
      };
      specs[`stage${s + 1}.pre`] = {
        shape,
        kind: 'feature',
        description: `stage ${s + 1} output before ReLU: ${bn}(sum)`,
      };
    });
    this.stages = stages;
    this.bn1 = this.addChild('bn1', new BatchNorm(inChannels));
    this.addHead(specs, inChannels, config.numClasses, rng, 'global-average-pooled final BN–ReLU output');
  }

  protected features(input: tf.Tensor4D, training: boolean, taps: TapRecorder): tf.Tensor4D {
    const x = this.conv1.apply(input);
    taps.record('stem', x);
    return this.blocksFrom(0, 0, x, training, taps);
  }

  /**
   * Runs the blocks from block `firstBlock` of stage `first` (0-based) to the end, then the final
   * BN–ReLU, recording the taps on the way.
   */
  private blocksFrom(
    first: number,
    firstBlock: number,
    input: tf.Tensor4D,
    training: boolean,
    taps: TapRecorder,
  ): tf.Tensor4D {
    let x = input;
    for (let s = first; s < this.stages.length; s++) {
      this.stages[s]!.layer.items.forEach((block, b) => {
        if (s === first && b < firstBlock) return;
        const { out, inputPre, inputPost } = block.apply(x, training);
        // The first block of stage s+1 activates stage s's output.
        if (b === 0 && s > 0) {
          taps.record(`stage${s}.pre`, inputPre);
          taps.record(`stage${s}`, inputPost);
        }
        x = out;
      });
    }
    const pre = this.bn1.apply(x, training);
    const post = tf.relu(pre);
    taps.record('stage3.pre', pre);
    taps.record('stage3', post);
    return post as tf.Tensor4D;
  }

  /** The first block of the stage after stage `stage` (1-based), when it can start from its activated input. */
  private resumableBlock(stage: number): WideBasicBlock | undefined {
    const block = this.stages[stage]?.layer.items[0];
    return block?.convShortcut ? block : undefined;
  }

  /** Taps `forwardFrom` can start at: `stem`, the stage outputs (post- and pre-ReLU), `embedding`. */
  override resumableTaps(): readonly string[] {
    const stages = this.stages.flatMap((_, s) =>
      s + 1 === this.stages.length || this.resumableBlock(s + 1) ? [`stage${s + 1}.pre`, `stage${s + 1}`] : [],
    );
    return ['stem', ...stages, 'embedding'];
  }

  /**
   * The rest of the network from `tap`, with `value` in place of the tap's own value: the taps
   * downstream of `tap` (not `tap` itself), always including `logits`. Gradients flow to `value`.
   * Nothing else is read from the batch (the image is the only input).
   */
  override forwardFrom(tap: string, value: tf.Tensor, _batch: Batch, options: ForwardOptions): TapValues {
    if (!this.resumableTaps().includes(tap)) {
      throw new Error(
        `model '${this.arch}' cannot resume at tap '${tap}'; resumable: ${this.resumableTaps().join(', ')}`,
      );
    }
    const training = options.training;
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      let embedding = value;
      if (tap === 'stem') {
        embedding = tf.mean(this.blocksFrom(0, 0, value as tf.Tensor4D, training, taps), [1, 2]);
        taps.record('embedding', embedding);
      } else if (tap !== 'embedding') {
        const m = /^stage(\d+)(\.pre)?$/.exec(tap)!;
        const stage = Number(m[1]);
        let post = value as tf.Tensor4D;
        if (m[2]) {
          post = tf.relu(post);
          taps.record(`stage${stage}`, post);
        }
        const block = this.resumableBlock(stage);
        if (block) {
          // The block's own computation after its BN–ReLU (WideBasicBlock.apply with inputPost given).
          const h = block.bn2.applyRelu(block.conv1.apply(post), training) as tf.Tensor4D;
          const out = tf.add(block.convShortcut!.apply(post), block.conv2.apply(h)) as tf.Tensor4D;
          post = this.blocksFrom(stage, 1, out, training, taps);
        }
        embedding = tf.mean(post, [1, 2]);
        taps.record('embedding', embedding);
      }
      taps.record('logits', this.fc.apply(embedding));
      return taps.values;
    }) as TapValues;
  }
}
