import * as tf from '@tensorflow/tfjs';
import {
  Linear,
  Rng,
  TappedModel,
  type Batch,
  type BatchKeyRequest,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { checkInputShape } from './shapes.js';
import { firstProposals, proposalKeyRequests } from './proposal-source.js';
import { proposalScoreWeights, proposalScoresRequest, type ProposalScoreWeights } from './proposal-score-weights.js';
import { RoiFcHead } from './roi-fc-head.js';
import { TapRecorder } from './tap-recorder.js';
import { VggBackbone } from './vgg-backbone.js';

export interface RoiClassifierConfig {
  /** The data's image shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Backbone stage widths (`VggBackbone`). */
  readonly widths: readonly number[];
  readonly convsPerStage: number;
  /** The images are resized by this factor (bilinear) before the backbone (1: as given). */
  readonly inputScale: number;
  /** Proposal source of the `regionFeatures` tap ('' = the batch's `proposals`). */
  readonly proposals: string;
  /** R: the first R proposals of each image. */
  readonly regions: number;
  /** Pooling grid (pool × pool), of the whole image and of the regions. */
  readonly pool: number;
  /** fc6/fc7 width. */
  readonly hidden: number;
  /** How the proposal scores weight the regions' pooled features. */
  readonly proposalScores: ProposalScoreWeights;
  readonly seed: number;
}

/**
 * The WSD-KD student (S-Cls): a multi-label image classifier whose fc6/fc7 head serves two paths, as
 * the released prototxts share it between the RoI and whole-image paths. A CNN (`VggBackbone`), then
 * the whole last map max-pooled to pool × pool (RoI max pooling of the full map = PyTorch's
 * AdaptiveMaxPool2d(pool), = VGG16's pool5 when the map is twice the grid) → fc6 → fc7 → fc8: the
 * K `logits` (one sigmoid per class). Only when asked for (WSD-KD's feature stage), the first R
 * proposals of a source are RoI-pooled from the same map (score-weighted, as the teacher's) through
 * the same fc6/fc7: `regionFeatures` [R, hidden], the student's f_r of the feature-level loss.
 * Inference costs the classifier's path alone.
 *
 * Taps: `feature` (backbone map), `embedding` [hidden] (whole-image fc7, after ReLU), `logits` [K],
 * `regionFeatures` [R, hidden], `regionMask` [R].
 */
export class RoiClassifier extends TappedModel {
  readonly arch = 'roi-classifier';
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly backbone: VggBackbone;
  readonly head: RoiFcHead;
  readonly classifier: Linear;
  private readonly mapSize: [number, number];
  private readonly specs: TapSpecs;

  constructor(readonly config: RoiClassifierConfig) {
    super();
    this.inputShape = checkInputShape(config.inputShape);
    this.numClasses = config.numClasses;
    if (!(config.inputScale > 0))
      throw new Error(`roi-classifier: inputScale must be positive, got ${config.inputScale}`);
    const rng = new Rng(config.seed);
    const [h, w, c] = this.inputShape;
    this.backbone = this.addChild(
      'backbone',
      new VggBackbone({ inChannels: c, widths: config.widths, convsPerStage: config.convsPerStage }, rng),
    );
    const channels = this.backbone.outChannels;
    this.head = this.addChild('head', new RoiFcHead(channels, config.pool, config.hidden, rng));
    this.classifier = this.addChild('classifier', new Linear(config.hidden, config.numClasses, rng));
    this.mapSize = this.backbone.outputSize(...this.scaledSize(h, w));
    const r = config.regions;
    this.specs = {
      feature: {
        shape: [...this.mapSize, channels],
        kind: 'feature',
        description: `backbone map (stride ${this.backbone.stride})`,
      },
      embedding: { shape: [config.hidden], kind: 'embedding', description: 'whole-image fc7 (after ReLU)' },
      logits: { shape: [config.numClasses], kind: 'logits', description: 'one sigmoid logit per class (fc8)' },
      regionFeatures: {
        shape: [r, config.hidden],
        kind: 'region',
        description: `fc7 (after ReLU) of the first ${r} proposals of source '${config.proposals}', through the image path's fc6/fc7`,
      },
      regionMask: { shape: [r], kind: 'other', description: '1 for a real region, 0 for a padded proposal' },
    };
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  /** The image, and the proposal source's boxes, mask (and scores) for `regionFeatures`. */
  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    const why = `regions of proposal source '${this.config.proposals}' (roi-classifier options.proposals; tap regionFeatures)`;
    const keys: BatchKeyRequest[] = [
      { key: 'x', dtype: 'float32', shape: this.inputShape },
      ...proposalKeyRequests(this.config.proposals, why),
    ];
    if (this.config.proposalScores !== 'none') keys.push(proposalScoresRequest(this.config.proposals, why));
    return keys;
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      const { inputScale, regions, proposals } = this.config;
      let x = batch['x'] as tf.Tensor4D;
      const b = x.shape[0];
      const [h, w] = this.inputShape;
      if (inputScale !== 1) x = tf.image.resizeBilinear(x, this.scaledSize(h, w), false, true);
      const map = this.backbone.apply(x, options.training);
      taps.record('feature', map);
      const scale = inputScale / this.backbone.stride;
      // the whole map as one region: cells 0 … size − 1, in data pixels
      const [mh, mw] = this.mapSize;
      const whole = tf.tile(tf.tensor3d([[[0, 0, (mw - 1) / scale, (mh - 1) / scale]]]), [b, 1, 1]) as tf.Tensor3D;
      const embedding = tf.reshape(this.head.apply(map, whole, scale), [b, -1]);
      taps.record('embedding', embedding);
      taps.record('logits', this.classifier.apply(embedding));
      if (taps.wants('regionFeatures') || taps.wants('regionMask')) {
        const { boxes, mask } = firstProposals(batch, proposals, regions, 'roi-classifier');
        const weights = proposalScoreWeights(
          batch,
          proposals,
          regions,
          mask,
          this.config.proposalScores,
          'roi-classifier',
        );
        taps.record('regionFeatures', this.head.apply(map, boxes, scale, weights));
        taps.record('regionMask', mask);
      }
      return taps.values;
    }) as TapValues;
  }

  private scaledSize(h: number, w: number): [number, number] {
    return [Math.round(h * this.config.inputScale), Math.round(w * this.config.inputScale)];
  }
}
