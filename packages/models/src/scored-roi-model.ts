import * as tf from '@tensorflow/tfjs';
import { Rng, TappedModel, type Batch, type BatchKeyRequest } from '@kd/core';
import { checkInputShape } from './shapes.js';
import { firstProposals, proposalKeyRequests } from './proposal-source.js';
import { proposalScoreWeights, proposalScoresRequest, type ProposalScoreWeights } from './proposal-score-weights.js';
import { RoiFcHead } from './roi-fc-head.js';
import { VggBackbone } from './vgg-backbone.js';

/** What WSDDN and its student share: a CNN on the (rescaled) image and an fc6/fc7 head over score-weighted RoIs. */
export interface ScoredRoiModelConfig {
  /** The data's image shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  /** K classes. */
  readonly numClasses: number;
  /** Backbone stage widths (`VggBackbone`). */
  readonly widths: readonly number[];
  readonly convsPerStage: number;
  /** The images are resized by this factor (bilinear) before the backbone (WSD-KD: the teacher sees 3× its student's pixels). */
  readonly inputScale: number;
  /** Proposal source ('' = the batch's `proposals`). */
  readonly proposals: string;
  /** R: the first R proposals of each image. */
  readonly regions: number;
  /** RoI pooling grid (pool × pool). */
  readonly pool: number;
  /** fc6/fc7 width. */
  readonly hidden: number;
  /** How the proposal scores weight the pooled features. */
  readonly proposalScores: ProposalScoreWeights;
  readonly seed: number;
}

/**
 * The common part of `wsddn` and `roi-classifier`: the image resized `inputScale` times (bilinear, half-
 * pixel centres), a `VggBackbone` (variables `backbone.*`), and an `RoiFcHead` (`head.fc6`, `head.fc7`)
 * that pools boxes given in the data's pixels from the backbone map, each weighted by its proposal's
 * score. Subclasses add their outputs; `rng` continues the seeded initialisation after the shared part.
 */
export abstract class ScoredRoiModel extends TappedModel {
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly backbone: VggBackbone;
  readonly head: RoiFcHead;
  /** The backbone map's size [h, w] for the data's images. */
  readonly mapSize: [number, number];
  protected readonly rng: Rng;

  constructor(
    readonly config: ScoredRoiModelConfig,
    readonly modelName: string,
  ) {
    super();
    this.inputShape = checkInputShape(config.inputShape);
    this.numClasses = config.numClasses;
    if (!(config.inputScale > 0))
      throw new Error(`${modelName}: inputScale must be positive, got ${config.inputScale}`);
    this.rng = new Rng(config.seed);
    const [h, w, c] = this.inputShape;
    this.backbone = this.addChild(
      'backbone',
      new VggBackbone({ inChannels: c, widths: config.widths, convsPerStage: config.convsPerStage }, this.rng),
    );
    this.head = this.addChild('head', new RoiFcHead(this.backbone.outChannels, config.pool, config.hidden, this.rng));
    this.mapSize = this.backbone.outputSize(Math.round(h * config.inputScale), Math.round(w * config.inputScale));
  }

  /** Map cells per data pixel: the input scale over the backbone's stride. */
  get spatialScale(): number {
    return this.config.inputScale / this.backbone.stride;
  }

  /** The image, and the proposal source's boxes, mask and (unless unweighted) scores. */
  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    const why = `regions of proposal source '${this.config.proposals}' (${this.modelName} options.proposals)`;
    const keys: BatchKeyRequest[] = [
      { key: 'x', dtype: 'float32', shape: this.inputShape },
      ...proposalKeyRequests(this.config.proposals, why),
    ];
    if (this.config.proposalScores !== 'none') keys.push(proposalScoresRequest(this.config.proposals, why));
    return keys;
  }

  /** The backbone map [B, h, w, C] of the batch's images (resized by `inputScale`). */
  protected featureMap(batch: Batch, training: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      let x = batch['x'] as tf.Tensor4D;
      const [h, w] = this.inputShape;
      const s = this.config.inputScale;
      if (s !== 1) x = tf.image.resizeBilinear(x, [Math.round(h * s), Math.round(w * s)], false, true);
      return this.backbone.apply(x, training);
    });
  }

  /** fc7 [B, R, hidden] of the first R proposals (score-weighted), with their boxes [B, R, 4] and mask [B, R]. */
  protected regionFeatures(
    map: tf.Tensor4D,
    batch: Batch,
  ): { features: tf.Tensor3D; boxes: tf.Tensor3D; mask: tf.Tensor2D } {
    const { proposals, regions, proposalScores } = this.config;
    const { boxes, mask } = firstProposals(batch, proposals, regions, this.modelName);
    const weights = proposalScoreWeights(batch, proposals, regions, mask, proposalScores, this.modelName);
    return { features: this.head.apply(map, boxes, this.spatialScale, weights), boxes, mask };
  }
}
