import * as tf from '@tensorflow/tfjs';
import {
  Linear,
  Rng,
  TappedModel,
  type Batch,
  type BatchKeyRequest,
  type ForwardOptions,
  type ModelTaskLoss,
  type StepContext,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { checkInputShape } from './shapes.js';
import { firstProposals, proposalKeyRequests } from './proposal-source.js';
import { proposalScoreWeights, proposalScoresRequest, type ProposalScoreWeights } from './proposal-score-weights.js';
import { RoiFcHead } from './roi-fc-head.js';
import { TapRecorder } from './tap-recorder.js';
import { VggBackbone } from './vgg-backbone.js';
import { wsddnCrossEntropy, wsddnRegionScores } from './wsddn-scores.js';

export interface WsddnConfig {
  /** The data's image shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  /** K classes (image-level labels). */
  readonly numClasses: number;
  /** Backbone stage widths (`VggBackbone`). */
  readonly widths: readonly number[];
  readonly convsPerStage: number;
  /** The images are resized by this factor (bilinear) before the backbone: WSDDN sees them larger than its student (WSD-KD: 672 vs 224 px). */
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

/** Probabilities are kept in [ε, 1 − ε] before their log-odds (the `logits` tap stays finite). */
const LOGIT_EPSILON = 1e-6;

/**
 * WSDDN (Bilen & Vedaldi 2016) as the WSD-KD teacher (Liu et al. 2018, official Caffe code): a CNN
 * on the images enlarged `inputScale` times (`VggBackbone`); RoI max pooling of the first R proposals
 * of a source, each pooled value multiplied by its proposal's score; fc6 → fc7 (`RoiFcHead`); two
 * K-way branches per region, M^c (`classLogits`) and M^d (`detectionLogits`); S^c = softmax over
 * classes, S^d = softmax over the image's real regions; image-level scores s = Σ_r S^c ⊙ S^d in
 * (0, 1) (`wsddnRegionScores`). Trained on image labels alone (no box): its own form of the
 * multi-label task's `bce` term, the clipped cross-entropy on s (`wsddnCrossEntropy`, sum over
 * classes / batch, no sigmoid) — `ownTaskLoss('multi-label')`.
 *
 * Taps: `feature` (backbone map), `regionFeatures` [R, hidden] (fc7 after ReLU), `classLogits`,
 * `detectionLogits`, `regionScores` (S^c ⊙ S^d) [R, K], `regionBoxes` [R, 4] (data pixels),
 * `regionMask` [R], `scores` [K] (s; always returned, as `logits`) and `logits` [K]: the log-odds of
 * s (clipped to [1e-6, 1 − 1e-6]), so the multi-label task's sigmoid ranks and thresholds s itself.
 */
export class Wsddn extends TappedModel {
  readonly arch = 'wsddn';
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly backbone: VggBackbone;
  readonly head: RoiFcHead;
  readonly classBranch: Linear;
  readonly detectionBranch: Linear;
  private readonly specs: TapSpecs;

  constructor(readonly config: WsddnConfig) {
    super();
    this.inputShape = checkInputShape(config.inputShape);
    this.numClasses = config.numClasses;
    const rng = new Rng(config.seed);
    const [h, w, c] = this.inputShape;
    if (!(config.inputScale > 0)) throw new Error(`wsddn: inputScale must be positive, got ${config.inputScale}`);
    this.backbone = this.addChild(
      'backbone',
      new VggBackbone({ inChannels: c, widths: config.widths, convsPerStage: config.convsPerStage }, rng),
    );
    const channels = this.backbone.outChannels;
    this.head = this.addChild('head', new RoiFcHead(channels, config.pool, config.hidden, rng));
    this.classBranch = this.addChild('classBranch', new Linear(config.hidden, config.numClasses, rng));
    this.detectionBranch = this.addChild('detectionBranch', new Linear(config.hidden, config.numClasses, rng));
    const [mh, mw] = this.backbone.outputSize(...this.scaledSize(h, w));
    const r = config.regions;
    const k = config.numClasses;
    this.specs = {
      feature: {
        shape: [mh, mw, channels],
        kind: 'feature',
        description: `backbone map (stride ${this.backbone.stride} of the ${config.inputScale}× input) the regions are pooled from`,
      },
      regionFeatures: { shape: [r, config.hidden], kind: 'region', description: 'fc7 (after ReLU) of each region' },
      classLogits: { shape: [r, k], kind: 'other', description: 'M^c: the class branch (softmax over classes)' },
      detectionLogits: {
        shape: [r, k],
        kind: 'other',
        description: "M^d: the detection branch (softmax over the image's regions)",
      },
      regionScores: { shape: [r, k], kind: 'other', description: 'S^c ⊙ S^d: each region’s score for each class' },
      regionBoxes: { shape: [r, 4], kind: 'other', description: 'the proposals the regions were pooled from, pixels' },
      regionMask: { shape: [r], kind: 'other', description: '1 for a real region, 0 for a padded proposal' },
      scores: { shape: [k], kind: 'other', description: 'image-level class scores s = Σ_r S^c ⊙ S^d in (0, 1)' },
      logits: { shape: [k], kind: 'logits', description: 'log-odds of s (clipped to [1e-6, 1 − 1e-6])' },
    };
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    const why = `regions of proposal source '${this.config.proposals}' (options.proposals)`;
    const keys: BatchKeyRequest[] = [
      { key: 'x', dtype: 'float32', shape: this.inputShape },
      ...proposalKeyRequests(this.config.proposals, why),
    ];
    if (this.config.proposalScores !== 'none')
      keys.push(proposalScoresRequest(this.config.proposals, `${why}: their scores weight the pooled features`));
    return keys;
  }

  override ownTaskLoss(task: string): ModelTaskLoss | undefined {
    if (task !== 'multi-label') return undefined;
    return {
      losses: (step: StepContext): Record<string, tf.Scalar> =>
        step.active.has('bce')
          ? { bce: wsddnCrossEntropy(step.student['scores'] as tf.Tensor2D, step.batch['y'] as tf.Tensor2D) }
          : {},
    };
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const { regions, proposals, inputScale } = this.config;
      const taps = new TapRecorder(options.taps);
      let x = batch['x'] as tf.Tensor4D;
      const [h, w] = this.inputShape;
      if (inputScale !== 1) x = tf.image.resizeBilinear(x, this.scaledSize(h, w), false, true);
      const map = this.backbone.apply(x, options.training);
      taps.record('feature', map);
      const { boxes, mask } = firstProposals(batch, proposals, regions, 'wsddn');
      const weights = proposalScoreWeights(batch, proposals, regions, mask, this.config.proposalScores, 'wsddn');
      const features = this.head.apply(map, boxes, inputScale / this.backbone.stride, weights);
      taps.record('regionFeatures', features);
      const [b, r] = boxes.shape;
      const flat = tf.reshape(features, [b * r, -1]);
      const classLogits = tf.reshape(this.classBranch.apply(flat), [b, r, this.numClasses]) as tf.Tensor3D;
      const detectionLogits = tf.reshape(this.detectionBranch.apply(flat), [b, r, this.numClasses]) as tf.Tensor3D;
      taps.record('classLogits', classLogits);
      taps.record('detectionLogits', detectionLogits);
      const regionScores = wsddnRegionScores(classLogits, detectionLogits, mask);
      taps.record('regionScores', regionScores);
      taps.record('regionBoxes', boxes);
      taps.record('regionMask', mask);
      const scores = tf.sum(regionScores, 1);
      taps.values['scores'] = scores; // always: WSDDN's own task loss reads it
      const clipped = tf.clipByValue(scores, LOGIT_EPSILON, 1 - LOGIT_EPSILON);
      taps.record('logits', tf.sub(tf.log(clipped), tf.log1p(tf.neg(clipped))));
      return taps.values;
    }) as TapValues;
  }

  private scaledSize(h: number, w: number): [number, number] {
    return [Math.round(h * this.config.inputScale), Math.round(w * this.config.inputScale)];
  }
}
