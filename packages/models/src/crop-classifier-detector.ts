import * as tf from '@tensorflow/tfjs';
import {
  channelsOf,
  TappedModel,
  type Batch,
  type BatchKeyRequest,
  type Facet,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { embedRegionCrops, type CropNormalization } from './crop-embeddings.js';
import { CROPPED_MODEL } from './crop-teacher.js';
import { TapRecorder } from './tap-recorder.js';
import { l2Rows } from './text-region-classifier.js';

/**
 * How a region's class score combines the CLIP-like classification of its crops with the detector:
 * `geometric-mean` √(p_clip · p_obj), `clip` p_clip alone.
 */
export type CropScore = 'geometric-mean' | 'clip';

/** The sub-module path of the detector whose regions are classified: its variables are `detector.<its paths>`. */
export const CROP_DETECTOR = 'detector';

/** The detector taps the model passes on (the detection task's: regions, their boxes, deltas and logits). */
export const CROP_DETECTOR_TAPS = ['regionLogits', 'boxDeltas', 'regionBoxes', 'regionMask'] as const;

export interface CropClassifierDetectorConfig {
  /** The detector (e.g. region-detector): its regions, boxes and objectness; needs `CROP_DETECTOR_TAPS`. */
  readonly detector: TappedModel;
  /** The image tower with its projection to the text embeddings' space (built for `cropSize` inputs); needs an `embedding` tap [D]. */
  readonly image: TappedModel;
  /** The batch's image shape [H, W, C]. */
  readonly imageShape: readonly [number, number, number];
  /** The class-name text embeddings [K · D], row-major (normalised again here). */
  readonly text: Float32Array;
  /** D. */
  readonly dim: number;
  /** τ: p_clip = softmax over the K classes of cos / τ. */
  readonly temperature: number;
  /** Context enlargement factors; the crops' embeddings are averaged over them, then normalised. */
  readonly context: readonly number[];
  /** The image tower's input [height, width]: every crop is resized to it. */
  readonly cropSize: readonly [number, number];
  /** RoIAlign samples per crop pixel and axis. */
  readonly sampling: number;
  /** The image tower's input normalisation, applied to every crop (absent: none). */
  readonly normalization?: CropNormalization;
  readonly score: CropScore;
}

/**
 * The region scores [N, K+1] of the teacher on cropped proposals, from the regions' crop embeddings
 * `crops` [N, D] (any norm), the class text embeddings `text` [K, D] and the detector's region logits
 * `regionLogits` [N, K+1] (column 0 background):
 *
 *   p_clip = softmax over the K classes of cos(crop, t_k) / τ,
 *   p_obj  = 1 − softmax(regionLogits)_0   (the detector's probability that the region is an object),
 *   score_k = √(p_clip_k · p_obj)  ('geometric-mean')   or   p_clip_k  ('clip'),
 *
 * column 0 = 1 − p_obj (the background, which detection decoding ignores), columns 1…K the scores.
 */
export function cropClassifierScores(
  crops: tf.Tensor2D,
  text: tf.Tensor2D,
  regionLogits: tf.Tensor2D,
  options: { readonly temperature: number; readonly score: CropScore },
): tf.Tensor2D {
  return tf.tidy(() => {
    const [n] = crops.shape;
    const k = text.shape[0];
    if (regionLogits.shape[0] !== n || regionLogits.shape[1] !== k + 1)
      throw new Error(
        `cropClassifierScores: region logits [${regionLogits.shape.join(', ')}] for ${n} crops and ${k} classes, expected [${n}, ${k + 1}]`,
      );
    const clip = tf.softmax(tf.div(tf.matMul(l2Rows(crops), l2Rows(text), false, true), options.temperature));
    const background = tf.slice(tf.softmax(regionLogits), [0, 0], [n, 1]);
    const objectness = tf.sub(1, background);
    const scores = options.score === 'clip' ? clip : tf.sqrt(tf.mul(clip, objectness));
    return tf.concat([background, scores], 1) as tf.Tensor2D;
  });
}

/**
 * ViLD's baseline "CLIP on cropped regions": a detector's regions classified zero-shot by a
 * CLIP-like image tower. The detector (any model with `CROP_DETECTOR_TAPS`, under `detector.`) gives
 * the regions, their boxes (`regionBoxes`), masks, box deltas and logits; each region box is enlarged
 * by each context factor, cropped from the image, embedded by the image tower (under `image.`, with its
 * projection; `embedRegionCrops`, as `crop-teacher` does), the embeddings averaged over the factors and
 * normalised, and compared with the class text embeddings (`cropClassifierScores`).
 *
 * Taps: the detector's `regionLogits`, `boxDeltas`, `regionBoxes`, `regionMask` (so the detection task's
 * loss metric works), `regionScores` [R, K+1] (what the detection task evaluates with) and
 * `cropEmbedding` [R, D] (the normalised crop embeddings). Nothing is learnt here: every weight comes
 * from saved models (`student.init` with two sources), and the run evaluates it (`train.epochs: 0`);
 * the scores are computed only when asked for (no task loss reads them, so no gradient reaches the
 * image tower).
 */
export class CropClassifierDetector extends TappedModel {
  readonly arch = 'crop-classifier-detector';
  readonly numClasses: number;
  readonly detector: TappedModel;
  readonly image: TappedModel;
  private readonly specs: TapSpecs;

  constructor(readonly config: CropClassifierDetectorConfig) {
    super();
    if (!config.context.length) throw new Error('crop-classifier-detector: at least one context factor');
    if (config.text.length % config.dim !== 0) throw new Error('crop-classifier-detector: text is not K × dim');
    this.numClasses = config.text.length / config.dim;
    this.detector = this.addChild(CROP_DETECTOR, config.detector);
    this.image = this.addChild(CROPPED_MODEL, config.image);
    const detector = config.detector.tapSpecs();
    const missing = CROP_DETECTOR_TAPS.filter((t) => !detector[t]);
    if (missing.length)
      throw new Error(
        `crop-classifier-detector: the detector '${config.detector.arch}' has no tap ${missing.join(', ')}`,
      );
    const logits = detector['regionLogits']!;
    const r = logits.shape[0]!;
    if (logits.shape.length !== 2 || channelsOf(logits) !== this.numClasses + 1)
      throw new Error(
        `crop-classifier-detector: the detector's regionLogits are [${logits.shape.join(', ')}], expected [R, ${this.numClasses + 1}] (background + the embeddings' ${this.numClasses} classes)`,
      );
    const embedding = config.image.tapSpecs()['embedding'];
    if (!embedding || channelsOf(embedding) !== config.dim)
      throw new Error(
        `crop-classifier-detector: the image model '${config.image.arch}' needs an 'embedding' tap of the class embeddings' size ${config.dim}${embedding ? `, not ${channelsOf(embedding)}` : ''}`,
      );
    const factors = config.context.map((f) => `${f}×`).join(', ');
    const score =
      config.score === 'clip' ? 'p_clip' : '√(p_clip · p_obj), p_obj = 1 − the detector’s background probability';
    this.specs = {
      ...Object.fromEntries(
        CROP_DETECTOR_TAPS.map((t) => [
          t,
          { ...detector[t]!, description: `the detector's: ${detector[t]!.description}` },
        ]),
      ),
      regionScores: {
        shape: [r, this.numClasses + 1],
        kind: 'other',
        description: `each region's class scores ${score}, p_clip = softmax of the crops' cosines with the class text embeddings / τ (${config.temperature}); column 0 = 1 − p_obj`,
      },
      cropEmbedding: {
        shape: [r, config.dim],
        kind: 'region',
        description: `${config.image.arch} embedding of each region's crops (${factors}), averaged, L2-normalised`,
      },
    };
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    const keys = this.detector.requiredBatchKeys();
    return keys.some((k) => k.key === 'x')
      ? keys
      : [{ key: 'x', dtype: 'float32', shape: this.config.imageShape }, ...keys];
  }

  override requiredFacets(): readonly Facet<unknown>[] {
    const facets = [...(this.detector.requiredFacets?.() ?? []), ...(this.image.requiredFacets?.() ?? [])];
    return [...new Set(facets)];
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      const d = this.detector.forward(batch, { training: options.training, taps: new Set(CROP_DETECTOR_TAPS) });
      for (const t of CROP_DETECTOR_TAPS) taps.record(t, d[t]!);
      if (taps.wants('regionScores') || taps.wants('cropEmbedding')) {
        const boxes = d['regionBoxes'] as tf.Tensor3D;
        const [b, r] = boxes.shape;
        const { cropSize, context, sampling, normalization, temperature, score } = this.config;
        const { embedding } = embedRegionCrops(this.image, batch['x'] as tf.Tensor4D, boxes, {
          cropSize,
          context,
          sampling,
          normalization,
          taps: ['embedding'],
          training: options.training,
        });
        const crops = l2Rows(tf.reshape(embedding!, [b * r, -1])) as tf.Tensor2D;
        taps.record('cropEmbedding', tf.reshape(crops, [b, r, -1]));
        if (taps.wants('regionScores')) {
          const text = tf.tensor2d(this.config.text, [this.numClasses, this.config.dim]);
          const logits = tf.reshape(d['regionLogits']!, [b * r, -1]) as tf.Tensor2D;
          taps.record(
            'regionScores',
            tf.reshape(cropClassifierScores(crops, text, logits, { temperature, score }), [b, r, -1]),
          );
        }
      }
      return taps.values;
    });
  }
}
