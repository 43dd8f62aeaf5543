import * as tf from '@tensorflow/tfjs';
import {
  ANSWER_VOCABULARY,
  BatchNorm,
  ConfigError,
  Conv2d,
  Rng,
  TappedModel,
  type Batch,
  type BatchKeyRequest,
  type Facet,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { checkInputShape } from './shapes.js';
import { firstProposals, proposalKeyRequests } from './proposal-source.js';
import { roiAlign } from './roi-pool.js';
import { VlTransformer, type VlTransformerConfig } from './vl-transformer.js';

export interface VlSceneConfig extends Omit<VlTransformerConfig, 'regionFeatures' | 'arch'> {
  /** Image shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  /** Backbone widths: conv3x3 stride 1, then two conv3x3 stride 2 (feature stride 4). */
  readonly width: number;
  /** RoIAlign output grid per region (pool × pool bins of the last backbone map). */
  readonly pool: number;
  /** Proposal source ('' = the primary `proposals`; 'biased' = `biasedProposals`, …). */
  readonly proposals: string;
  /** What the [CLS] head (`logits`, `numClasses` wide) predicts: the object classes (default) or the answers of a VQA dataset. */
  readonly head?: 'classes' | 'answers';
}

/** The region source of the annotated boxes themselves (scenes' `objectsProposals`): the regions the batch's `pairs` index. */
const OBJECT_REGIONS = 'objects';

/**
 * A vision-language model over images with region proposals: a small CNN backbone (stride 4),
 * RoIAlign of the first R proposals of the batch (`proposals` [B, P, 4] in pixels, best first, with
 * `proposalMask`) into pool × pool × C region features, and a `VlTransformer` over the caption tokens
 * (`tokens`, `tokenMask`) and these region tokens (features + normalised box geometry + segment).
 * The backbone trains with the transformer (end to end, as in VL pre-training with a trainable
 * region encoder). Taps: the transformer's (`layer{i}`, `layer{i}.attention`, `text`, `regionStates`,
 * `embedding`, `logits`, `mlmLogits`, `itmLogits`, `relationLogits`) plus `feature` (the backbone map)
 * and `regions` (the pooled region features [R, pool²·C]).
 *
 * `forwardFrom('regions', regions, batch)` resumes after the backbone: the transformer runs on the given
 * region features with the batch's text and boxes (e.g. the `regions` tap of an earlier forward pass on
 * the same images, still on the gradient tape, with other captions: VL pre-training scores several
 * captions against one image this way, and the backbone runs once).
 */
export class VlSceneModel extends TappedModel {
  readonly arch = 'vl-scene';
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly convs: readonly Conv2d[];
  readonly bns: readonly BatchNorm[];
  readonly transformer: VlTransformer;
  private readonly featureShape: [number, number, number];
  private readonly specs: TapSpecs;

  constructor(readonly config: VlSceneConfig) {
    super();
    if (config.predicates > 0 && config.proposals !== OBJECT_REGIONS) {
      throw new ConfigError(
        'options.proposals',
        `a relation head (predicates: ${config.predicates}) scores the batch's pairs of annotated boxes: set proposals: ${OBJECT_REGIONS} (and regions: the scenes' maxObjects)`,
      );
    }
    this.inputShape = checkInputShape(config.inputShape);
    this.numClasses = config.numClasses;
    const rng = new Rng(config.seed);
    const [h, w, c] = this.inputShape;
    const widths = [config.width, 2 * config.width, 2 * config.width];
    const strides = [1, 2, 2];
    let inChannels = c;
    const convs: Conv2d[] = [];
    const bns: BatchNorm[] = [];
    widths.forEach((width, i) => {
      convs.push(
        this.addChild(
          `conv${i + 1}`,
          new Conv2d(inChannels, width, { kernel: 3, stride: strides[i]!, padding: 1 }, rng),
        ),
      );
      bns.push(this.addChild(`bn${i + 1}`, new BatchNorm(width)));
      inChannels = width;
    });
    this.convs = convs;
    this.bns = bns;
    const down = (n: number) => Math.floor((n - 1) / 2) + 1; // conv3x3, stride 2, pad 1
    this.featureShape = [down(down(h)), down(down(w)), inChannels];
    const regionFeatures = config.pool * config.pool * inChannels;
    this.transformer = this.addChild(
      'vl',
      new VlTransformer({ ...config, regionFeatures, arch: 'vl-scene', seed: config.seed + 1 }),
    );
    this.specs = {
      ...this.transformer.tapSpecs(),
      feature: {
        shape: this.featureShape,
        kind: 'feature',
        description: 'backbone map (stride 4) the regions are pooled from',
      },
      regions: config.textVisual
        ? {
            shape: [1 + config.regions, regionFeatures],
            kind: 'region',
            description: 'RoIAlign-pooled features of the whole image, then of the first R proposals (textVisual)',
          }
        : {
            shape: [config.regions, regionFeatures],
            kind: 'region',
            description: 'RoIAlign-pooled region features of the first R proposals',
          },
    };
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    const source = `regions of proposal source '${this.config.proposals}' (options.proposals)`;
    // the relation head's pairs index the annotated boxes: each box must be a region (regions = maxObjects)
    const relations = this.config.predicates > 0;
    return [
      { key: 'x', dtype: 'float32', shape: this.inputShape },
      ...(relations
        ? proposalKeyRequests(
            this.config.proposals,
            `${source}; the relation head (options.predicates) needs options.regions = the scenes' maxObjects`,
            this.config.regions,
          )
        : proposalKeyRequests(this.config.proposals, source)),
      { key: 'tokens', dtype: 'int32', rank: 1, why: 'text tokens' },
      { key: 'tokenMask', dtype: 'float32', rank: 1, why: 'text tokens' },
      ...(relations
        ? [
            {
              key: 'pairs',
              dtype: 'int32' as const,
              shape: [-1, 2],
              why: '(subject, object) region pairs of the relation head (options.predicates)',
            },
          ]
        : []),
    ];
  }

  /** An answer head is sized by the dataset's answer vocabulary. */
  override requiredFacets(): readonly Facet<unknown>[] {
    return this.config.head === 'answers' ? [ANSWER_VOCABULARY] : [];
  }

  /** Region features [B, R, pool²·C] of the first R proposals of `boxes` [B, P, 4] (pixels). */
  private pool(feature: tf.Tensor4D, boxes: tf.Tensor3D): tf.Tensor3D {
    const [b] = feature.shape;
    const r = this.config.regions;
    const flat = tf.reshape(boxes, [b * r, 4]) as tf.Tensor2D;
    const index = tf.tensor1d(
      Int32Array.from({ length: b * r }, (_, i) => Math.floor(i / r)),
      'int32',
    );
    const pooled = roiAlign(
      feature,
      flat,
      index,
      [this.inputShape[0], this.inputShape[1]],
      [this.config.pool, this.config.pool],
    );
    return tf.reshape(pooled, [b, r, -1]) as tf.Tensor3D;
  }

  /** The first R proposal boxes [B, R, 4] (pixels) and their mask [B, R] of the model's proposal source. */
  private proposalsOf(batch: Batch): { boxes: tf.Tensor3D; mask: tf.Tensor2D } {
    return firstProposals(batch, this.config.proposals, this.config.regions, 'vl-scene');
  }

  /** The transformer's taps over region features [B, R, pool²·C] and the batch's text, at the proposals' boxes. */
  private fromRegions(
    regions: tf.Tensor,
    batch: Batch,
    proposals: { boxes: tf.Tensor3D; mask: tf.Tensor2D },
    options: ForwardOptions,
  ): TapValues {
    const [h, w] = this.inputShape;
    const regionBoxes = tf.div(proposals.boxes, tf.tensor1d([w, h, w, h]));
    if (!this.config.textVisual)
      return this.transformer.forward({ ...batch, regions, regionBoxes, regionMask: proposals.mask }, options);
    // the whole image first (textVisual): its vector goes to every text token, the rest are the regions
    const [b, n, f] = regions.shape as [number, number, number];
    const whole = tf.reshape(tf.slice(regions, [0, 0, 0], [b, 1, f]), [b, f]);
    const v = this.transformer.regionVector(whole, tf.tile(tf.tensor2d([[0, 0, 1, 1]]), [b, 1]));
    const textVisual = tf.tile(tf.reshape(v, [b, 1, -1]), [1, this.config.textLength, 1]);
    return this.transformer.forward(
      {
        ...batch,
        regions: tf.slice(regions, [0, 1, 0], [b, n - 1, f]),
        regionBoxes,
        regionMask: proposals.mask,
        textVisual,
      },
      options,
    );
  }

  /** The CNN backbone's map (stride 4) of images x [B, H, W, C]: conv3x3 → batch norm → ReLU, three times. */
  backbone(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      this.convs.forEach((conv, i) => (h = this.bns[i]!.applyRelu(conv.apply(h), training) as tf.Tensor4D));
      return h;
    });
  }

  /** The whole image's RoIAlign features [B, 1, pool²·C] (its box: the image). */
  private wholeImage(feature: tf.Tensor4D): tf.Tensor3D {
    const [b] = feature.shape;
    const [h, w] = this.inputShape;
    const boxes = tf.tile(tf.tensor2d([[0, 0, w, h]]), [b, 1]) as tf.Tensor2D;
    const index = tf.tensor1d(
      Int32Array.from({ length: b }, (_, i) => i),
      'int32',
    );
    return tf.reshape(roiAlign(feature, boxes, index, [h, w], [this.config.pool, this.config.pool]), [
      b,
      1,
      -1,
    ]) as tf.Tensor3D;
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const proposals = this.proposalsOf(batch);
      const x = this.backbone(batch.x as tf.Tensor4D, options.training);
      const pooled = this.pool(x, proposals.boxes);
      const regions = this.config.textVisual ? tf.concat([this.wholeImage(x), pooled], 1) : pooled;
      const out = this.fromRegions(regions, batch, proposals, options);
      const wanted = (k: string) => !options.taps || options.taps.has(k);
      return { ...out, ...(wanted('feature') ? { feature: x } : {}), ...(wanted('regions') ? { regions } : {}) };
    }) as TapValues;
  }

  /** `regions`: the transformer can run on given region features (see the class comment). */
  override resumableTaps(): readonly string[] {
    return ['regions'];
  }

  /**
   * The transformer's taps (not `feature` or `regions`) from region features `value` [B, R, pool²·C]
   * in place of the pooled ones, with the text (`tokens`, `tokenMask`), the proposal boxes and their
   * mask (and `pairs`, for relation logits) read from `batch`. Gradients flow to `value`.
   */
  override forwardFrom(tap: string, value: tf.Tensor, batch: Batch, options: ForwardOptions): TapValues {
    if (tap !== 'regions') throw new Error(`model '${this.arch}' cannot resume at tap '${tap}'; resumable: regions`);
    const want = [this.specs['regions']!.shape[0]!, this.specs['regions']!.shape[1]!];
    if (value.rank !== 3 || value.shape[1] !== want[0] || value.shape[2] !== want[1]) {
      throw new Error(`vl-scene: forwardFrom('regions') got [${value.shape}], the model takes [B, ${want.join(', ')}]`);
    }
    return tf.tidy(() => {
      const proposals = this.proposalsOf(batch);
      if (proposals.boxes.shape[0] !== value.shape[0])
        throw new Error(
          `vl-scene: forwardFrom('regions') got ${value.shape[0]} images of regions for a batch of ${proposals.boxes.shape[0]}`,
        );
      return this.fromRegions(value, batch, proposals, options);
    }) as TapValues;
  }
}
