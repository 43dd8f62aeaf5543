import * as tf from '@tensorflow/tfjs';
import {
  Linear,
  type Batch,
  type ForwardOptions,
  type ModelTaskLoss,
  type StepContext,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { ScoredRoiModel, type ScoredRoiModelConfig } from './scored-roi-model.js';
import { TapRecorder } from './tap-recorder.js';
import { wsddnCrossEntropy, wsddnRegionScores } from './wsddn-scores.js';

/** Probabilities are kept in [ε, 1 − ε] before their log-odds (the `logits` tap stays finite). */
const LOGIT_EPSILON = 1e-6;

/**
 * WSDDN (Bilen & Vedaldi 2016) as the WSD-KD teacher (Liu et al. 2018, official Caffe code): a CNN
 * on the images enlarged `inputScale` times; RoI max pooling of the first R proposals of a source,
 * each pooled value multiplied by its proposal's score; fc6 → fc7 (`ScoredRoiModel`); two K-way
 * branches per region, M^c (`classLogits`) and M^d (`detectionLogits`); S^c = softmax over classes,
 * S^d = softmax over the image's real regions; image-level scores s = Σ_r S^c ⊙ S^d in (0, 1)
 * (`wsddnRegionScores`). Trained on image labels alone (no box): its own form of the multi-label
 * task's `bce` term, the clipped cross-entropy on s (`wsddnCrossEntropy`, sum over classes / batch,
 * no sigmoid) — `ownTaskLoss('multi-label')`.
 *
 * Taps: `feature` (backbone map), `regionFeatures` [R, hidden] (fc7 after ReLU), `classLogits`,
 * `detectionLogits`, `regionScores` (S^c ⊙ S^d) [R, K], `regionBoxes` [R, 4] (data pixels),
 * `regionMask` [R], `scores` [K] (s; always returned, as `logits`) and `logits` [K]: the log-odds of
 * s (clipped to [1e-6, 1 − 1e-6]), so the multi-label task's sigmoid ranks and thresholds s itself.
 */
export class Wsddn extends ScoredRoiModel {
  readonly arch = 'wsddn';
  readonly classBranch: Linear;
  readonly detectionBranch: Linear;
  private readonly specs: TapSpecs;

  constructor(config: ScoredRoiModelConfig) {
    super(config, 'wsddn');
    const k = config.numClasses;
    this.classBranch = this.addChild('classBranch', new Linear(config.hidden, k, this.rng));
    this.detectionBranch = this.addChild('detectionBranch', new Linear(config.hidden, k, this.rng));
    const r = config.regions;
    this.specs = {
      feature: {
        shape: [...this.mapSize, this.backbone.outChannels],
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
      const taps = new TapRecorder(options.taps);
      const map = this.featureMap(batch, options.training);
      taps.record('feature', map);
      const { features, boxes, mask } = this.regionFeatures(map, batch);
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
}
