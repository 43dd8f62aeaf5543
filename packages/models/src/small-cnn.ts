import * as tf from '@tensorflow/tfjs';
import { BatchNorm, Conv2d, Rng, type Batch, type ForwardOptions, type TapSpecs, type TapValues } from '@kd/core';
import { checkInputShape, pooledSize } from './shapes.js';
import { PooledClassifier } from './pooled-classifier.js';
import { TapRecorder } from './tap-recorder.js';

export interface SmallCnnConfig {
  /** Input shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Base width c: stage widths c, 2c, 4c. */
  readonly width: number;
  /** Weight-initialisation seed. */
  readonly seed: number;
  /** Architecture id reported by `arch` (defaults to `cnn`). */
  readonly arch?: string;
}

/**
 * A plain small CNN (the quickstart student): three stages of conv3x3(pad 1, no bias)–BN–ReLU with
 * widths c, 2c, 4c; a 2x2 max-pool (stride 2, floor, as PyTorch's MaxPool2d(2)) opens stages 2
 * and 3; global average pool; Linear. On 28×28 inputs the stages are 28, 14, 7 — the same sizes
 * (and, for c = 16, the same widths) as resnet20's stages, so feature taps pair up by name.
 *
 * Taps: `stage{i}` (post-ReLU conv output of stage i, before the next stage's pool),
 * `stage{i}.pre` (its BN output before the ReLU), `embedding`, `logits`. The first conv *is*
 * stage 1, so this model has no separate `stem` tap.
 *
 * `forwardFrom` resumes the network at `stage{i}`, `stage{i}.pre` or `embedding` (AdaIN-KD feeds the
 * teacher's remaining layers a modified feature); it runs the very same ops as `forward`.
 */
export class SmallCnn extends PooledClassifier {
  readonly arch: string;
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly width: number;
  readonly convs: readonly Conv2d[];
  readonly bns: readonly BatchNorm[];

  constructor(config: SmallCnnConfig) {
    super();
    this.inputShape = checkInputShape(config.inputShape);
    if (!Number.isInteger(config.width) || config.width < 1) {
      throw new Error(`cnn width must be a positive integer, got ${config.width}`);
    }
    if (!Number.isInteger(config.numClasses) || config.numClasses < 1) {
      throw new Error(`numClasses must be a positive integer, got ${config.numClasses}`);
    }
    this.width = config.width;
    this.numClasses = config.numClasses;
    this.arch = config.arch ?? 'cnn';
    const rng = new Rng(config.seed);
    const [h, w, c] = this.inputShape;
    const widths = [config.width, 2 * config.width, 4 * config.width];
    const specs: Record<string, TapSpecs[string]> = {};
    const convs: Conv2d[] = [];
    const bns: BatchNorm[] = [];
    let inChannels = c;
    let size: [number, number] = [h, w];
    widths.forEach((width, s) => {
      if (s > 0) size = [pooledSize(size[0]), pooledSize(size[1])];
      convs.push(
        this.addChild(`conv${s + 1}`, new Conv2d(inChannels, width, { kernel: 3, stride: 1, padding: 1 }, rng)),
      );
      bns.push(this.addChild(`bn${s + 1}`, new BatchNorm(width)));
      inChannels = width;
      const shape = [size[0], size[1], width];
      specs[`stage${s + 1}`] = { shape, kind: 'feature', description: `stage ${s + 1} conv–BN–ReLU output` };
      specs[`stage${s + 1}.pre`] = { shape, kind: 'feature', description: `stage ${s + 1} BN output before the ReLU` };
    });
    this.convs = convs;
    this.bns = bns;
    this.addHead(specs, inChannels, config.numClasses, rng, 'global-average-pooled stage 3 output');
  }

  protected features(input: tf.Tensor4D, training: boolean, taps: TapRecorder): tf.Tensor4D {
    return this.stagesFrom(0, input, training, taps);
  }

  /** Runs stages `first`..3 (0-based index `first`) on `x`, recording their taps. */
  private stagesFrom(first: number, input: tf.Tensor4D, training: boolean, taps: TapRecorder): tf.Tensor4D {
    let x = input;
    for (let s = first; s < this.convs.length; s++) {
      if (s > 0) x = tf.maxPool(x, 2, 2, 'valid');
      const conv = this.convs[s]!.apply(x);
      if (taps.wants(`stage${s + 1}.pre`)) {
        const pre = this.bns[s]!.apply(conv, training) as tf.Tensor4D;
        x = tf.relu(pre);
        taps.record(`stage${s + 1}.pre`, pre);
      } else {
        x = this.bns[s]!.applyRelu(conv, training) as tf.Tensor4D; // the ReLU inside the batch norm's kernel
      }
      taps.record(`stage${s + 1}`, x);
    }
    return x;
  }

  /** Taps `forwardFrom` can start at: every stage output (post- and pre-ReLU) and `embedding`. */
  override resumableTaps(): readonly string[] {
    return [...this.convs.flatMap((_, s) => [`stage${s + 1}.pre`, `stage${s + 1}`]), 'embedding'];
  }

  /**
   * The rest of the network from `tap`, with `value` in place of the tap's own value: the taps
   * downstream of `tap` (not `tap` itself), always including `logits`. Gradients flow to `value`.
   * Nothing else is read from the batch (the image is the only input).
   */
  override forwardFrom(tap: string, value: tf.Tensor, _batch: Batch, options: ForwardOptions): TapValues {
    const m = /^stage(\d+)(\.pre)?$/.exec(tap);
    const stage = m ? Number(m[1]) : undefined;
    if (tap !== 'embedding' && (stage === undefined || stage < 1 || stage > this.convs.length)) {
      throw new Error(
        `model '${this.arch}' cannot resume at tap '${tap}'; resumable: ${this.resumableTaps().join(', ')}`,
      );
    }
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      let embedding = value;
      if (tap !== 'embedding') {
        let x = value as tf.Tensor4D;
        if (m![2]) {
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
