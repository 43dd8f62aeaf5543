import * as tf from '@tensorflow/tfjs';
import {
  Embedding,
  LayerNorm,
  Linear,
  Rng,
  TappedModel,
  UserError,
  type Batch,
  type BatchKeyRequest,
  type ForwardOptions,
  type TapSpec,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { linearLastAxis as linear } from './linear-last-axis.js';
import { BERT_LAYER_NORM_EPS, MlmTransform } from './mlm-transform.js';
import { ModuleList } from './module-list.js';
import { TapRecorder } from './tap-recorder.js';
import { TransformerEncoderLayer, type EncoderLayerConfig } from './transformer.js';

export interface VlTransformerConfig extends EncoderLayerConfig {
  readonly vocabSize: number;
  /** text tokens per sample (T), [CLS] first */
  readonly textLength: number;
  /** region tokens per sample (R) */
  readonly regions: number;
  /** features per region (e.g. RoI-pooled CNN channels) */
  readonly regionFeatures: number;
  readonly layers: number;
  /** classes of the [CLS] head (`logits`): answers for VQA, 2 for matching, … */
  readonly numClasses: number;
  /** predicates of the relation head on (subject, object) region pairs; 0 = no head */
  readonly predicates: number;
  /** 'causal': text token i attends to text tokens ≤ i and to every region (captioning) */
  readonly textAttention: 'bidirectional' | 'causal';
  /**
   * VL-BERT's visual embedding of text tokens: each text token's embedding gets LN_text(v) added,
   * v [B, T, d] from the batch's `textVisual` (the whole image's region vector, or a role's pooled
   * feature in RVL-BERT). LN_text's scale starts at 0 (VL-BERT's `visual_scale_text_init`), so a new
   * model starts as one without it. Default false.
   */
  readonly textVisual?: boolean;
  /** BERT's masked-token transform (Dense → erf GELU → LayerNorm) before the `mlm` classifier. Default false. */
  readonly mlmTransform?: boolean;
  readonly seed: number;
  readonly arch?: string;
}

/**
 * A single-stream vision-language transformer (VisualBERT / UNITER style) over text tokens and region
 * tokens. Text: token + position + segment-0 embeddings, LayerNorm. Regions: Linear(features) +
 * Linear(box geometry x1, y1, x2, y2, area — normalised to [0, 1]) + segment-1 embedding, LayerNorm.
 * The concatenation [text; regions] runs through post- or pre-norm encoder layers.
 *
 * Batch keys: `tokens` [B,T] int32, `tokenMask` [B,T] (1 token, 0 padding), `regions` [B,R,F],
 * `regionBoxes` [B,R,4] normalised, `regionMask` [B,R]; optional `pairs` [B,P,2] int32 region indices
 * for the relation head. Padded keys get no attention.
 *
 * Taps: `layer{i}` [T+R, d] hidden states, `layer{i}.attention` [heads, T+R, T+R], `text` [T, d],
 * `regionStates` [R, d], `embedding` [d] ([CLS] state), `logits` ([CLS] head), `mlmLogits`
 * [T, vocab] (masked-token prediction), `itmLogits` [2] (image–text matching), and
 * `relationLogits` [P, predicates] when the batch has `pairs` and the model a relation head.
 */
export class VlTransformer extends TappedModel {
  readonly arch: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly tokens: Embedding;
  readonly positions: Embedding;
  readonly segments: Embedding;
  readonly textNorm: LayerNorm;
  readonly regionProjection: Linear;
  readonly boxProjection: Linear;
  readonly regionNorm: LayerNorm;
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly finalNorm?: LayerNorm;
  readonly cls: Linear;
  readonly mlm: Linear;
  readonly itm: Linear;
  readonly relation?: Linear;
  readonly textVisualNorm?: LayerNorm;
  readonly mlmTransform?: MlmTransform;
  private readonly specs: TapSpecs;

  constructor(readonly config: VlTransformerConfig) {
    super();
    const { dModel: d, textLength: t, regions: r } = config;
    this.arch = config.arch ?? 'vl-transformer';
    this.inputShape = [r, config.regionFeatures];
    this.numClasses = config.numClasses;
    const rng = new Rng(config.seed);
    this.tokens = this.addChild('tokens', new Embedding(config.vocabSize, d, rng, 0.02));
    this.positions = this.addChild('positions', new Embedding(t, d, rng, 0.02));
    this.segments = this.addChild('segments', new Embedding(2, d, rng, 0.02));
    this.textNorm = this.addChild('textNorm', new LayerNorm(d));
    this.regionProjection = this.addChild('regionProjection', new Linear(config.regionFeatures, d, rng));
    this.boxProjection = this.addChild('boxProjection', new Linear(5, d, rng));
    this.regionNorm = this.addChild('regionNorm', new LayerNorm(d));
    this.layers = this.addChild(
      'layers',
      new ModuleList(Array.from({ length: config.layers }, () => new TransformerEncoderLayer(config, rng))),
    );
    if (config.normFirst) this.finalNorm = this.addChild('norm', new LayerNorm(d));
    this.cls = this.addChild('cls', new Linear(d, config.numClasses, rng));
    this.mlm = this.addChild('mlm', new Linear(d, config.vocabSize, rng));
    this.itm = this.addChild('itm', new Linear(d, 2, rng));
    if (config.predicates > 0) this.relation = this.addChild('relation', new Linear(2 * d, config.predicates, rng));
    // after every other child: the options draw their initial values last, so the others' stay as without them
    if (config.textVisual) {
      this.textVisualNorm = this.addChild('textVisualNorm', new LayerNorm(d, BERT_LAYER_NORM_EPS));
      this.textVisualNorm.gamma.assign(tf.zeros([d]));
    }
    if (config.mlmTransform) this.mlmTransform = this.addChild('mlmTransform', new MlmTransform(d, rng));
    const n = t + r;
    const specs: Record<string, TapSpec> = {};
    for (let i = 1; i <= config.layers; i++) {
      specs[`layer${i}`] = { shape: [n, d], kind: 'hidden', description: `text and region states after layer ${i}` };
      specs[`layer${i}.attention`] = {
        shape: [config.heads, n, n],
        kind: 'attention',
        description: `attention probabilities of layer ${i}`,
      };
    }
    specs.text = { shape: [t, d], kind: 'hidden', description: 'final text token states' };
    specs.regionStates = { shape: [r, d], kind: 'region', description: 'final region token states' };
    specs.embedding = { shape: [d], kind: 'embedding', description: 'final [CLS] state' };
    specs.logits = { shape: [config.numClasses], kind: 'logits', description: '[CLS] head' };
    specs.mlmLogits = {
      shape: [t, config.vocabSize],
      kind: 'other',
      description: 'masked-token prediction per text position',
    };
    specs.itmLogits = { shape: [2], kind: 'other', description: 'image–text matching (0 mismatch, 1 match)' };
    if (this.relation)
      specs.relationLogits = {
        shape: [-1, config.predicates],
        kind: 'other',
        description: 'predicates of the batch’s region pairs',
      };
    this.specs = specs;
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    const { textLength: t, regions: r, regionFeatures: f, dModel: d } = this.config;
    return [
      { key: 'tokens', dtype: 'int32', shape: [t] },
      { key: 'regions', dtype: 'float32', shape: [r, f] },
      { key: 'regionBoxes', dtype: 'float32', shape: [r, 4] },
      ...(this.config.textVisual
        ? [
            {
              key: 'textVisual',
              dtype: 'float32' as const,
              shape: [t, d],
              why: 'visual embeddings of the text tokens (textVisual)',
            },
          ]
        : []),
    ];
  }

  /**
   * A region's vector in model space before its token's layer norm: the projection of its features
   * plus that of its box geometry (x1, y1, x2, y2, area; normalised). VL-BERT gives the whole image's
   * to every text token (`textVisual`). features [..., F], boxes [..., 4] → [..., d].
   */
  regionVector(features: tf.Tensor, boxes: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const rank = boxes.rank;
      const [x1, y1, x2, y2] = tf.split(boxes, 4, rank - 1);
      const geometry = tf.concat([x1!, y1!, x2!, y2!, tf.mul(tf.sub(x2!, x1!), tf.sub(y2!, y1!))], rank - 1);
      return tf.add(linear(this.regionProjection, features), linear(this.boxProjection, geometry));
    });
  }

  /** Additive attention mask [B, 1, T+R, T+R]: −1e9 on padded keys (and on future text for causal text). */
  private attentionMask(tokenMask: tf.Tensor, regionMask: tf.Tensor): tf.Tensor {
    const { textLength: t, regions: r } = this.config;
    const keep = tf.concat([tf.cast(tokenMask, 'float32'), tf.cast(regionMask, 'float32')], 1); // [B, N]
    let allowed: tf.Tensor = tf.reshape(keep, [-1, 1, 1, t + r]);
    if (this.config.textAttention === 'causal') {
      const n = t + r;
      const rule = new Float32Array(n * n);
      for (let q = 0; q < n; q++) {
        for (let k = 0; k < n; k++) {
          // text queries: earlier-or-same text and every region; region queries: regions only
          rule[q * n + k] = q < t ? (k <= q || k >= t ? 1 : 0) : k >= t ? 1 : 0;
        }
      }
      allowed = tf.mul(allowed, tf.tensor4d(rule, [1, 1, n, n]));
    }
    return tf.mul(tf.sub(1, allowed), -1e9);
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const taps = new TapRecorder(options.taps);
      const need = (key: string) => {
        const v = batch[key];
        if (!v) throw new UserError(`vl-transformer: the batch has no '${key}'`);
        return v;
      };
      const ids = need('tokens');
      const [b, t] = ids.shape as [number, number];
      const { regions: r, dModel: d } = this.config;
      if (t !== this.config.textLength)
        throw new UserError(`vl-transformer: tokens have length ${t}, the model expects ${this.config.textLength}`);
      const boxes = need('regionBoxes');
      let textSum = tf.add(
        tf.add(this.tokens.apply(ids), this.positions.apply(tf.range(0, t, 1, 'int32'))),
        this.segments.apply(tf.zeros([1, 1], 'int32')),
      );
      if (this.textVisualNorm) textSum = tf.add(textSum, this.textVisualNorm.apply(need('textVisual')));
      const text = this.textNorm.apply(textSum);
      const [x1, y1, x2, y2] = tf.split(boxes, 4, 2);
      const geometry = tf.concat([x1!, y1!, x2!, y2!, tf.mul(tf.sub(x2!, x1!), tf.sub(y2!, y1!))], 2);
      const region = this.regionNorm.apply(
        tf.add(
          tf.add(linear(this.regionProjection, need('regions')), linear(this.boxProjection, geometry)),
          this.segments.apply(tf.ones([1, 1], 'int32')),
        ),
      );
      let h = tf.concat([text, region], 1) as tf.Tensor3D;
      const mask = this.attentionMask(batch['tokenMask'] ?? tf.ones([b, t]), batch['regionMask'] ?? tf.ones([b, r]));
      this.layers.items.forEach((layer, i) => {
        const out = layer.apply(h, mask);
        h = out.y;
        taps.record(`layer${i + 1}`, h);
        taps.record(`layer${i + 1}.attention`, out.probs);
      });
      if (this.finalNorm) h = this.finalNorm.apply(h) as tf.Tensor3D;
      const textStates = tf.slice(h, [0, 0, 0], [b, t, d]);
      const regionStates = tf.slice(h, [0, t, 0], [b, r, d]);
      const clsState = tf.reshape(tf.slice(h, [0, 0, 0], [b, 1, d]), [b, d]);
      taps.record('text', textStates);
      taps.record('regionStates', regionStates);
      taps.record('embedding', clsState);
      taps.record('logits', this.cls.apply(clsState));
      if (taps.wants('mlmLogits'))
        taps.record(
          'mlmLogits',
          linear(this.mlm, this.mlmTransform ? this.mlmTransform.apply(textStates) : textStates),
        );
      if (taps.wants('itmLogits')) taps.record('itmLogits', this.itm.apply(clsState));
      const pairs = batch['pairs'];
      if (this.relation && pairs && taps.wants('relationLogits')) {
        // gather subject and object states per sample: flat index b·R + region
        const p = pairs.shape[1]!;
        const offsets = tf.tensor2d(
          Int32Array.from({ length: b }, (_, i) => i * r),
          [b, 1],
          'int32',
        );
        const flat = tf.reshape(regionStates, [b * r, d]);
        const pick = (k: number) =>
          tf.gather(flat, tf.add(tf.reshape(tf.slice(pairs, [0, 0, k], [b, p, 1]), [b, p]), offsets));
        taps.record('relationLogits', linear(this.relation, tf.concat([pick(0), pick(1)], 2)));
      }
      return taps.values;
    }) as TapValues;
  }
}
