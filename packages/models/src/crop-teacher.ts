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
import { firstProposals, proposalKeyRequests } from './proposal-source.js';
import { embedRegionCrops, normalizeCrops, type CropNormalization } from './crop-embeddings.js';
import { regionCrops } from './region-crops.js';

/** The sub-module path of the wrapped image model: its variables are `image.<the image model's paths>`. */
export const CROPPED_MODEL = 'image';

export interface CropTeacherConfig {
  /** The wrapped image model (built for `cropSize` inputs); needs an `embedding` tap. */
  readonly image: TappedModel;
  /** The batch's image shape [H, W, C]. */
  readonly imageShape: readonly [number, number, number];
  /** The wrapped model's input [height, width]: every crop is resized to it. */
  readonly cropSize: readonly [number, number];
  /** Proposal source ('' = `proposals`; a name = `<name>Proposals`, e.g. 'objects' for the annotated boxes). */
  readonly proposals: string;
  /** Regions per image: the first R proposals. */
  readonly regions: number;
  /** Context enlargement factors; the crops' outputs are averaged over them (ViLD: 1× and 1.5×). */
  readonly context: readonly number[];
  /** RoIAlign samples per crop pixel and axis. */
  readonly sampling: number;
  /** The wrapped model's input normalisation, applied to every crop and the resized whole image (absent: none). */
  readonly normalization?: CropNormalization;
}

/**
 * An image model run on region crops of the batch (ViLD's CLIP image tower on proposals): for each
 * of the first R proposals of a proposal source, the box is enlarged about its centre by each context
 * factor, clipped to the image, cropped and resized to the wrapped model's input size (RoIAlign on the
 * image, `regionCrops`), and the wrapped model's outputs are averaged over the factors. ViLD
 * pre-computes the CLIP embeddings of 1× and 1.5× crops of each proposal and averages them; its
 * student normalises them at train time, so `regionEmbedding` is not normalised here.
 *
 * The wrapped model is any registered image architecture under the sub-module path `image` (a teacher
 * checkpoint or recipe of that model loads into it with the prefix `image.`); its taps on the whole
 * image, resized to its input size, stay available as `embedding` and `logits` (so the teacher can
 * still be judged by an image-level task).
 *
 * Taps: `regionEmbedding` [R, D] (the wrapped `embedding`), `regionLogits` [R, K] (the wrapped
 * `logits`), `embedding` [D], `logits` [K] (whole image; computed only when asked for or when all
 * taps are).
 */
export class CropTeacher extends TappedModel {
  readonly arch = 'crop-teacher';
  readonly numClasses: number;
  readonly image: TappedModel;
  private readonly specs: TapSpecs;

  constructor(readonly config: CropTeacherConfig) {
    super();
    if (!config.context.length) throw new Error('crop-teacher: at least one context factor');
    this.image = this.addChild(CROPPED_MODEL, config.image);
    const inner = config.image.tapSpecs();
    const embedding = inner['embedding'];
    const logits = inner['logits'];
    if (!embedding || !logits)
      throw new Error(`crop-teacher: the image model '${config.image.arch}' needs 'embedding' and 'logits' taps`);
    this.numClasses = channelsOf(logits);
    const r = config.regions;
    const factors = config.context.map((f) => `${f}×`).join(', ');
    this.specs = {
      regionEmbedding: {
        shape: [r, channelsOf(embedding)],
        kind: 'region',
        description: `${config.image.arch} embedding of each region's crops (${factors}), averaged`,
      },
      regionLogits: {
        shape: [r, this.numClasses],
        kind: 'other',
        description: `${config.image.arch} logits of each region's crops (${factors}), averaged`,
      },
      embedding: { ...embedding, description: `${config.image.arch} embedding of the whole image` },
      logits: { ...logits, description: `${config.image.arch} logits of the whole image` },
    };
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    const why = `crops of proposal source '${this.config.proposals}' (options.proposals)`;
    return [
      { key: 'x', dtype: 'float32', shape: this.config.imageShape },
      ...proposalKeyRequests(this.config.proposals, why),
    ];
  }

  override requiredFacets(): readonly Facet<unknown>[] {
    return this.image.requiredFacets?.() ?? [];
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const wants = (tap: string) => !options.taps || options.taps.has(tap);
      const x = batch.x as tf.Tensor4D;
      const out: TapValues = {};
      if (wants('regionEmbedding') || wants('regionLogits'))
        Object.assign(out, this.regionTaps(batch, x, options.training));
      if (wants('logits') || wants('embedding')) {
        const whole = this.image.forward(
          { x: this.resized(x) },
          { training: options.training, taps: new Set(['embedding']) },
        );
        if (wants('logits')) out['logits'] = whole['logits']!;
        if (wants('embedding')) out['embedding'] = whole['embedding']!;
      }
      return out;
    });
  }

  /**
   * `regionEmbedding` [B, R, D] and `regionLogits` [B, R, K]: the wrapped model on the crops, averaged
   * over the context factors (`embedRegionCrops`: out of training in passes of at most
   * `MAX_CROPS_PER_PASS` crops).
   */
  private regionTaps(batch: Batch, x: tf.Tensor4D, training: boolean): TapValues {
    const { boxes } = firstProposals(batch, this.config.proposals, this.config.regions, 'crop-teacher');
    const { cropSize, context, sampling, normalization } = this.config;
    const o = embedRegionCrops(this.image, x, boxes, {
      cropSize,
      context,
      sampling,
      normalization,
      taps: ['embedding', 'logits'],
      training,
    });
    return { regionEmbedding: o['embedding']!, regionLogits: o['logits']! };
  }

  /** The whole images at the wrapped model's input size (as they are when the sizes agree), normalised as its crops. */
  private resized(x: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w] = x.shape;
    const [ch, cw] = this.config.cropSize;
    if (ch === h && cw === w) return normalizeCrops(x, this.config.normalization);
    const whole = tf.tile(tf.tensor3d([[[0, 0, w, h]]]), [b, 1, 1]) as tf.Tensor3D;
    const crops = regionCrops(x, whole, { size: this.config.cropSize, factor: 1, sampling: this.config.sampling });
    return normalizeCrops(crops, this.config.normalization);
  }
}
