import * as tf from '@tensorflow/tfjs';
import { Linear, type Batch, type ForwardOptions, type TapSpecs, type TapValues } from '@kd/core';
import { ScoredRoiModel, type ScoredRoiModelConfig } from './scored-roi-model.js';
import { TapRecorder } from './tap-recorder.js';

/**
 * The WSD-KD student (S-Cls): a multi-label image classifier whose fc6/fc7 head serves two paths, as
 * the released prototxts share it between the RoI and whole-image paths. A CNN (`ScoredRoiModel`),
 * then the whole last map max-pooled to pool × pool (RoI max pooling of the full map = PyTorch's
 * AdaptiveMaxPool2d(pool), = VGG16's pool5 when the map is twice the grid) → fc6 → fc7 → fc8: the
 * K `logits` (one sigmoid per class). Only when asked for (WSD-KD's feature stage), the first R
 * proposals of a source are RoI-pooled from the same map (score-weighted, as the teacher's) through
 * the same fc6/fc7: `regionFeatures` [R, hidden], the student's f_r of the feature-level loss.
 * Inference costs the classifier's path alone.
 *
 * Taps: `feature` (backbone map), `embedding` [hidden] (whole-image fc7, after ReLU), `logits` [K],
 * `regionFeatures` [R, hidden], `regionMask` [R].
 */
export class RoiClassifier extends ScoredRoiModel {
  readonly arch = 'roi-classifier';
  readonly classifier: Linear;
  private readonly specs: TapSpecs;

  constructor(config: ScoredRoiModelConfig) {
    super(config, 'roi-classifier');
    this.classifier = this.addChild('classifier', new Linear(config.hidden, config.numClasses, this.rng));
    const r = config.regions;
    this.specs = {
      feature: {
        shape: [...this.mapSize, this.backbone.outChannels],
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

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      const map = this.featureMap(batch, options.training);
      taps.record('feature', map);
      // the whole map as one region: cells 0 … size − 1, in data pixels
      const b = map.shape[0];
      const [mh, mw] = this.mapSize;
      const s = this.spatialScale;
      const whole = tf.tile(tf.tensor3d([[[0, 0, (mw - 1) / s, (mh - 1) / s]]]), [b, 1, 1]) as tf.Tensor3D;
      const embedding = tf.reshape(this.head.apply(map, whole, s), [b, -1]);
      taps.record('embedding', embedding);
      taps.record('logits', this.classifier.apply(embedding));
      if (taps.wants('regionFeatures') || taps.wants('regionMask')) {
        const { features, mask } = this.regionFeatures(map, batch);
        taps.record('regionFeatures', features);
        taps.record('regionMask', mask);
      }
      return taps.values;
    }) as TapValues;
  }
}
