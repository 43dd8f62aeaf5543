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
import { regionCrops } from './region-crops.js';

/** Out of training, crops are embedded in passes of at most this many (bounds the activations' memory). */
export const MAX_CROPS_PER_PASS = 2048;

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
   * over the context factors. Out of training, images are cropped and embedded in chunks of at most
   * `MAX_CROPS_PER_PASS` crops, each chunk's intermediates freed before the next (a whole evaluation
   * batch of 500 images × 30 regions × 2 factors would otherwise hold gigabytes of activations, beyond
   * the wasm heap); in training (batch-norm statistics of the whole batch) the batch is one pass.
   */
  private regionTaps(batch: Batch, x: tf.Tensor4D, training: boolean): TapValues {
    const { boxes } = firstProposals(batch, this.config.proposals, this.config.regions, 'crop-teacher');
    const [b] = x.shape;
    const r = this.config.regions;
    const perPass = training ? b : Math.max(1, Math.floor(MAX_CROPS_PER_PASS / (r * this.config.context.length)));
    const embeddings: tf.Tensor[] = [];
    const logits: tf.Tensor[] = [];
    for (let start = 0; start < b; start += perPass) {
      const n = Math.min(perPass, b - start);
      const chunk = tf.tidy(() => {
        const xs = n === b ? x : tf.slice(x, [start, 0, 0, 0], [n, -1, -1, -1]);
        const bs = n === b ? boxes : tf.slice(boxes, [start, 0, 0], [n, -1, -1]);
        return this.chunkTaps(xs as tf.Tensor4D, bs as tf.Tensor3D, training);
      });
      embeddings.push(chunk[0]);
      logits.push(chunk[1]);
    }
    const joined = (ts: tf.Tensor[]) => (ts.length === 1 ? ts[0]! : tf.concat(ts, 0));
    return { regionEmbedding: joined(embeddings), regionLogits: joined(logits) };
  }

  /** The averaged crop embeddings [n, R, D] and logits [n, R, K] of n images `x` and their boxes [n, R, 4]. */
  private chunkTaps(x: tf.Tensor4D, boxes: tf.Tensor3D, training: boolean): [tf.Tensor, tf.Tensor] {
    const [b] = x.shape;
    const r = this.config.regions;
    const embeddings: tf.Tensor[] = [];
    const logits: tf.Tensor[] = [];
    for (const factor of this.config.context) {
      const crops = regionCrops(x, boxes, { size: this.config.cropSize, factor, sampling: this.config.sampling });
      const o = this.image.forward({ x: crops }, { training, taps: new Set(['embedding']) });
      embeddings.push(o['embedding']!);
      logits.push(o['logits']!);
    }
    const mean = (ts: tf.Tensor[]) => tf.reshape(ts.length === 1 ? ts[0]! : tf.div(tf.addN(ts), ts.length), [b, r, -1]);
    return [mean(embeddings), mean(logits)];
  }

  /** The whole images at the wrapped model's input size (as they are when the sizes agree). */
  private resized(x: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w] = x.shape;
    const [ch, cw] = this.config.cropSize;
    if (ch === h && cw === w) return x;
    const whole = tf.tile(tf.tensor3d([[[0, 0, w, h]]]), [b, 1, 1]) as tf.Tensor3D;
    return regionCrops(x, whole, { size: this.config.cropSize, factor: 1, sampling: this.config.sampling });
  }
}
