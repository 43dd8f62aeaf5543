import * as tf from '@tensorflow/tfjs';
import {
  Linear,
  Module,
  Rng,
  TappedModel,
  UserError,
  channelsOf,
  type Batch,
  type DataText,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { TextEncoder, type TextEncoderConfig } from './text-encoder.js';

export interface ClipConfig {
  /** the image tower: any image classifier with an `embedding` tap (its head is not used) */
  readonly image: TappedModel;
  readonly embedDim: number;
  readonly text: Omit<TextEncoderConfig, 'vocabSize' | 'length' | 'outDim'>;
  /** the dataset's text: vocabulary size, text length and class-name prompts */
  readonly data: DataText;
  readonly numClasses: number;
  readonly seed: number;
  readonly arch?: string;
}

const l2 = (x: tf.Tensor) => tf.div(x, tf.add(tf.norm(x, 'euclidean', -1, true), 1e-12));

/**
 * A small CLIP: an image tower (any image classifier's `embedding`, then a Linear projection) and a
 * text tower (`TextEncoder`), both L2-normalised into one `embedDim` space. Trained by a contrastive
 * method on image–caption pairs (InfoNCE, see @kd/core `infoNce`); classifies zero-shot: `logits` are
 * the cosine similarities (×100) of the image with each class's prompt-ensemble embedding (the mean of
 * the normalised embeddings of its prompts, renormalised — as in CLIP and ViLD).
 *
 * Taps: `imageEmbedding` [E] and `embedding` (the same), `textEmbedding` [E] (when the batch has
 * `tokens`), `classEmbeddings`-based `logits` [K].
 */
export class ClipDualEncoder extends TappedModel {
  readonly arch: string;
  readonly numClasses: number;
  readonly image: TappedModel;
  readonly imageProjection: Linear;
  readonly text: TextEncoder;
  private readonly specs: TapSpecs;

  constructor(readonly config: ClipConfig) {
    super();
    this.arch = config.arch ?? 'clip';
    this.numClasses = config.numClasses;
    const rng = new Rng(config.seed);
    const embedding = config.image.tapSpecs()['embedding'];
    if (!embedding) throw new UserError(`clip: the image tower ${config.image.arch} has no 'embedding' tap`);
    this.image = this.addChild('image', config.image);
    // the tower's classification head is not on the embedding path: freeze it (no parameter without a gradient)
    (config.image as TappedModel & { fc?: Module }).fc?.setFrozen(true);
    this.imageProjection = this.addChild('imageProjection', new Linear(channelsOf(embedding), config.embedDim, rng));
    this.text = this.addChild(
      'text',
      new TextEncoder(
        { ...config.text, vocabSize: config.data.vocabSize, length: config.data.length, outDim: config.embedDim },
        rng,
      ),
    );
    const e = config.embedDim;
    this.specs = {
      imageEmbedding: { shape: [e], kind: 'embedding', description: 'normalised image embedding' },
      embedding: { shape: [e], kind: 'embedding', description: 'normalised image embedding (= imageEmbedding)' },
      textEmbedding: {
        shape: [e],
        kind: 'embedding',
        description: "normalised embedding of the batch's text (tokens)",
      },
      logits: {
        shape: [config.numClasses],
        kind: 'logits',
        description: 'zero-shot: 100 × cosine(image, class prompt ensemble)',
      },
    };
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  /** [K, E] normalised class embeddings: the mean of each class's normalised prompt embeddings. */
  classEmbeddings(): tf.Tensor2D {
    return tf.tidy(() => {
      const { prompts, ids, mask } = this.config.data.classPrompts;
      const k = this.numClasses;
      const t = this.config.data.length;
      const emb = l2(this.text.apply(tf.tensor2d(ids, [k * prompts, t], 'int32'), tf.tensor2d(mask, [k * prompts, t])));
      return l2(tf.mean(tf.reshape(emb, [k, prompts, this.config.embedDim]), 1)) as tf.Tensor2D;
    });
  }

  /**
   * The text tower alone: normalised embeddings [B, E] of token ids [B, T] (int32) with their mask
   * [B, T] (1 token, 0 padding; default all ones) — the `textEmbedding` tap without running the
   * image tower. VLM-KD encodes captions with a frozen CLIP this way.
   */
  encodeText(tokens: tf.Tensor, mask?: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => l2(this.text.apply(tokens, mask ?? tf.onesLike(tokens))) as tf.Tensor2D);
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const wants = (tap: string) => tap === 'logits' || !options.taps || options.taps.has(tap);
      const out: TapValues = {};
      const inner = this.image.forward(batch, { training: options.training, taps: new Set(['embedding']) });
      const image = l2(this.imageProjection.apply(inner['embedding']!));
      if (wants('imageEmbedding')) out['imageEmbedding'] = image;
      if (wants('embedding')) out['embedding'] = image;
      if (wants('textEmbedding')) {
        const tokens = batch['tokens'];
        if (!tokens)
          throw new UserError(
            "clip: the batch has no 'tokens' (use an image–text dataset, e.g. data.dataset: captioned)",
          );
        out['textEmbedding'] = this.encodeText(tokens, batch['tokenMask']);
      }
      out['logits'] = tf.mul(tf.matMul(image, tf.transpose(this.classEmbeddings())), 100);
      return out;
    });
  }
}
