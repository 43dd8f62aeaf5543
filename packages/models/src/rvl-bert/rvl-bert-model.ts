import * as tf from '@tensorflow/tfjs';
import {
  Rng,
  TappedModel,
  UserError,
  type Batch,
  type BatchKeyRequest,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { roiAlign } from '../roi-pool.js';
import { TapRecorder } from '../tap-recorder.js';
import { VlSceneModel, type VlSceneConfig } from '../vl-scene-model.js';
import { AnswerHead } from './answer-head.js';
import { dropoutFor } from './dropout.js';
import { MaskAttention } from './mask-attention.js';
import { pairInput, type PairTextIds } from './pair-inputs.js';
import { SpatialModule, type SpatialVariant } from './spatial-module.js';

export interface RvlBertConfig {
  /** The VL encoder (a `vl-scene`, with `textVisual`), usually loaded from a pre-training recipe and frozen. */
  readonly encoder: VlSceneConfig;
  /** N: the answer head scores background + N predicates (`relationLogits` [Q, 1 + N]). */
  readonly predicates: number;
  /** The spatial module's variant, or none (the ablation's "+S"). */
  readonly spatial: 'none' | SpatialVariant;
  /** The mask attention module (the ablation's "+M"). */
  readonly maskAttention: boolean;
  /** k: the whole image's map for the mask module is RoIAligned to k × k. */
  readonly maskPool: number;
  /** ε of the masks' min–max normalisation (0 = the official code's: NaN on a constant map). */
  readonly maskEpsilon: number;
  /** Pixels around the union box (the code: 10 on ≈ 600-px images). */
  readonly unionMargin: number;
  /** The word ids of each object class's name (the role words of the text). */
  readonly classWords: readonly (readonly number[])[];
  /**
   * The word ids of each predicate's name: the classifier's row 1 + k starts as their mean embedding
   * (`initialised`; the official `CLASSIFIER_PRETRAINED`). Empty: the row keeps its random start (the
   * background's, whose name is not a word here).
   */
  readonly predicateWords: readonly (readonly number[])[];
  /**
   * SpatialSense-like queries: the text names the predicate asked about (`pairQuery`) between the
   * subject's and the object's words, as the official SpatialSense variant.
   */
  readonly query: boolean;
  readonly ids: PairTextIds;
  readonly seed: number;
}

/**
 * RVL-BERT for predicate detection (VRD-like): per ordered object pair of the batch (`pairs`
 * [B, Q, 2] into the annotated `boxes`, with `boxClasses`), one sequence through the VL encoder —
 * text `[CLS] subject [SEP]`… as `pairInput`, regions the whole image, subject, union and object
 * (RoIAligned from the encoder's backbone map), every text token carrying the whole image's vector
 * (VL-BERT) or, with the mask module, its role's mask-pooled feature — and the answer head on the
 * [MASK] state (with the spatial module's C_so when on).
 *
 * Children: `encoder` (a `VlSceneModel`: `student.init {recipe, map: {'': encoder}}` loads a
 * pre-trained one, `student.freeze: [encoder]` freezes it), `answer`, and `spatial`, `maskAttention`
 * when on. The heads' dropout (0.5) draws from the step's seed in training (`ForwardOptions.seed`);
 * the encoder has none (the official code keeps VL-BERT's 0.1 on inside the frozen encoder: a
 * documented deviation). Taps: `relationLogits` [Q, 1 + N], and with the mask module `roleMasks` [Q, 2, k, k] and
 * `pairBoxes` [Q, 4, 4] (the four RoIs normalised by the image size: the mask loss's targets).
 */
export class RvlBertModel extends TappedModel {
  readonly arch = 'rvl-bert';
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly encoder: VlSceneModel;
  readonly answer: AnswerHead;
  readonly spatial?: SpatialModule;
  readonly maskAttention?: MaskAttention;
  private readonly specs: TapSpecs;

  constructor(readonly config: RvlBertConfig) {
    super();
    if (!config.encoder.textVisual)
      throw new UserError('rvl-bert: its encoder gives each text token a visual vector: build it with textVisual');
    this.encoder = this.addChild('encoder', new VlSceneModel(config.encoder));
    this.inputShape = this.encoder.inputShape;
    this.numClasses = config.encoder.numClasses;
    const rng = new Rng(config.seed + 7);
    const d = config.encoder.dModel;
    this.answer = this.addChild('answer', new AnswerHead(d, 1 + config.predicates, config.spatial !== 'none', rng));
    if (config.spatial !== 'none') this.spatial = this.addChild('spatial', new SpatialModule(d, config.spatial, rng));
    const channels = 2 * config.encoder.width;
    if (config.maskAttention)
      this.maskAttention = this.addChild(
        'maskAttention',
        new MaskAttention({ inChannels: channels, width: d, roles: 2, epsilon: config.maskEpsilon }, rng),
      );
    const k = config.maskPool;
    this.specs = {
      relationLogits: {
        shape: [-1, 1 + config.predicates],
        kind: 'other',
        description: "background + predicates of the batch's pairs",
      },
      ...(config.maskAttention
        ? {
            roleMasks: {
              shape: [-1, 2, k, k],
              kind: 'other',
              description: 'subject and object masks on the whole image',
            },
            pairBoxes: {
              shape: [-1, 4, 4],
              kind: 'other',
              description: 'the RoIs (image, subject, union, object) / image size: the masks’ targets',
            },
          }
        : {}),
    };
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  /** The answer classifier's predicate rows from the (loaded) encoder's word embeddings of their names; biases 0. */
  override initialised(): void {
    const table = this.encoder.transformer.tokens.weight;
    const rows = [
      undefined,
      ...this.config.predicateWords.map((ids) => (ids.length ? tf.gather(table, ids) : undefined)),
    ];
    this.answer.initClassifierRows(rows as (tf.Tensor2D | undefined)[]);
    tf.dispose(rows.filter((r) => r !== undefined));
  }

  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [
      { key: 'x', dtype: 'float32', shape: this.inputShape },
      { key: 'boxes', dtype: 'float32', shape: [-1, 4], why: 'the annotated boxes the pairs index (pixels)' },
      { key: 'boxClasses', dtype: 'int32', rank: 1, why: 'the class of each box (its words in the text)' },
      { key: 'pairs', dtype: 'int32', shape: [-1, 2], why: '(subject, object) box pairs' },
      { key: 'pairMask', dtype: 'float32', shape: [-1], why: 'which pair slots are real (only they are encoded)' },
      ...(this.config.query
        ? [
            {
              key: 'pairQuery',
              dtype: 'int32' as const,
              shape: [-1],
              why: 'the predicate each query names in the text',
            },
          ]
        : []),
    ];
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      const { encoder, config } = this;
      // the heads' dropout (0.5 where the official code has it), from the step's seed in training
      const dropout = dropoutFor(options);
      const [h, w] = [this.inputShape[0], this.inputShape[1]];
      const need = (key: string) => {
        const v = batch[key];
        if (!v) throw new UserError(`rvl-bert: the batch has no '${key}'`);
        return v;
      };
      const [b, q] = need('pairs').shape as [number, number];
      const m = need('boxes').shape[1]!;
      const pairs = need('pairs').dataSync();
      const boxes = need('boxes').dataSync();
      const classes = need('boxClasses').dataSync();
      const pairMask = need('pairMask').dataSync();
      const queried = config.query ? need('pairQuery').dataSync() : undefined;
      // only the real pair slots are encoded (padding would cost as much and, with the mask module,
      // enter its batch-norm statistics); their outputs go back to their slots, zeros elsewhere
      const slots = Array.from({ length: b * q }, (_, p) => p).filter((p) => pairMask[p] === 1);
      const t = config.encoder.textLength;
      const n = slots.length;
      if (n === 0) return this.emptyTaps(b, q, taps);
      const tokens = new Int32Array(n * t);
      const tokenMask = new Float32Array(n * t);
      const maskAt = new Float32Array(n * t); // one-hot of [MASK]
      const roleOf = new Float32Array(n * t * 2); // [n, T, 2]: token in the subject's / object's span
      const rois = new Float32Array(n * 4 * 4);
      const imageOf = new Int32Array(n);
      const box = (img: number, i: number) => boxes.subarray((img * m + i) * 4, (img * m + i) * 4 + 4);
      slots.forEach((slot, p) => {
        const img = Math.floor(slot / q);
        imageOf[p] = img;
        const [s, o] = [pairs[slot * 2]!, pairs[slot * 2 + 1]!];
        const words = (i: number) => config.classWords[classes[img * m + i]!] ?? config.classWords[0]!;
        const predicate = queried ? (config.predicateWords[queried[slot]!] ?? []) : undefined;
        const input = pairInput(
          predicate ? [words(s), predicate, words(o)] : [words(s), words(o)],
          box(img, s),
          box(img, o),
          { ids: config.ids, textLength: t, imageSize: [w, h], unionMargin: config.unionMargin },
        );
        tokens.set(input.tokens, p * t);
        tokenMask.set(input.tokenMask, p * t);
        maskAt[p * t + input.maskPosition] = 1;
        // the mask module's roles: subject and object (a query's predicate words keep the image's vector)
        const roleSpans = predicate ? [input.roleSpans[0]!, input.roleSpans[2]!] : input.roleSpans;
        roleSpans.forEach(([from, to], r) => {
          for (let k = from; k < to; k++) roleOf[(p * t + k) * 2 + r] = 1;
        });
        rois.set(input.rois, p * 16);
      });
      const tokenIds = tf.tensor2d(tokens, [n, t], 'int32');
      const feature = encoder.backbone(need('x') as tf.Tensor4D, options.training);
      const roiBoxes = tf.tensor2d(rois, [n * 4, 4]);
      const roiImage = tf.tensor1d(
        Int32Array.from({ length: n * 4 }, (_, i) => imageOf[Math.floor(i / 4)]!),
        'int32',
      );
      const pool = config.encoder.pool;
      const regions = tf.reshape(roiAlign(feature, roiBoxes, roiImage, [h, w], [pool, pool]), [n, 4, -1]);
      const unit = tf.tile(tf.tensor2d([[0, 0, 1, 1]]), [n, 1]);
      const f = regions.shape[2]!;
      const imageVector = encoder.transformer.regionVector(
        tf.reshape(tf.slice(regions, [0, 0, 0], [n, 1, f]), [n, f]),
        unit,
      );
      const d = config.encoder.dModel;
      let textVisual: tf.Tensor = tf.tile(tf.reshape(imageVector, [n, 1, d]), [1, t, 1]);
      const normalisedRois = tf.div(tf.reshape(tf.tensor3d(rois, [n, 4, 4]), [n, 4, 4]), tf.tensor1d([w, h, w, h]));
      if (this.maskAttention) {
        const k = config.maskPool;
        const maps = tf.reshape(roiAlign(feature, roiBoxes, roiImage, [h, w], [k, k]), [n, 4, k, k, -1]) as tf.Tensor5D;
        const features = this.maskAttention.imageFeatures(maps, options.training);
        const roles = tf.tensor3d(roleOf, [n, t, 2]);
        // e_r: the sum of the role's word embeddings (the encoder's token table)
        const words = encoder.transformer.tokens.apply(tokenIds); // [n, T, d]
        const roleEmbeddings = tf.matMul(roles, words, true, false) as tf.Tensor3D; // [n, 2, d]
        const masks = this.maskAttention.masks(features, roleEmbeddings);
        const pooled = this.maskAttention.pool(features, masks); // [n, 2, d]
        // role tokens carry their role's pooled feature, the others the whole image's vector
        const inRole = tf.sum(roles, 2, true); // [n, T, 1]
        textVisual = tf.add(tf.mul(textVisual, tf.sub(1, inRole)), tf.matMul(roles, pooled));
        taps.record('roleMasks', masks);
        // the RoIs / image size: the mask loss rasterises the subject's and the object's (or the union's)
        taps.record('pairBoxes', normalisedRois);
      }
      const out = encoder.transformer.forward(
        {
          x: regions,
          tokens: tokenIds,
          tokenMask: tf.tensor2d(tokenMask, [n, t]),
          regions,
          regionBoxes: normalisedRois,
          regionMask: tf.ones([n, 4]),
          textVisual,
        },
        { training: options.training, taps: new Set(['text']) },
      );
      const states = tf.reshape(tf.matMul(tf.tensor3d(maskAt, [n, 1, t]), out['text']!), [n, d]) as tf.Tensor2D;
      const spatial = this.spatial?.apply(
        tf.reshape(tf.slice(normalisedRois, [0, 1, 0], [n, 1, 4]), [n, 4]) as tf.Tensor2D,
        tf.reshape(tf.slice(normalisedRois, [0, 3, 0], [n, 1, 4]), [n, 4]) as tf.Tensor2D,
        options.training,
        dropout,
      );
      const logits = this.answer.apply(states, spatial, dropout);
      taps.record('relationLogits', logits);
      return toSlots(taps.values, slots, b, q);
    }) as TapValues;
  }

  /**
   * A batch without a real pair (every scene of it has one object): every requested tap is zeros of
   * its per-slot shape, tied to the answer classifier's bias with weight 0 so that a training step's
   * loss still reaches a variable (its gradient 0) instead of having none at all.
   */
  private emptyTaps(b: number, q: number, taps: TapRecorder): TapValues {
    const tie = tf.mul(tf.sum(this.answer.classifier.bias ?? tf.zeros([1])), 0);
    for (const [name, spec] of Object.entries(this.specs))
      taps.record(name, tf.add(tf.zeros([b, q, ...spec.shape.slice(1).map((x) => Math.max(x, 0))]), tie));
    return taps.values;
  }
}

/**
 * Per-pair taps [n, …] of the encoded (real) pairs → [B, Q, …] with each pair at its slot and zeros
 * in the padding slots (a placement product, so gradients flow back to the pairs).
 */
function toSlots(values: TapValues, slots: readonly number[], b: number, q: number): TapValues {
  const place = tf.oneHot(tf.tensor1d(Int32Array.from(slots), 'int32'), b * q); // [n, B·Q]
  const out: Record<string, tf.Tensor> = {};
  for (const [name, v] of Object.entries(values)) {
    const flat = tf.reshape(v, [v.shape[0]!, -1]);
    out[name] = tf.reshape(tf.matMul(place, flat, true, false), [b, q, ...v.shape.slice(1)]);
  }
  return out as TapValues;
}
