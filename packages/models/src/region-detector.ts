import * as tf from '@tensorflow/tfjs';
import {
  BatchNorm,
  Conv2d,
  Linear,
  Rng,
  TappedModel,
  UserError,
  normalTensor,
  type Batch,
  type BatchKeyRequest,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { checkInputShape } from './shapes.js';
import { roiAlign } from './roi-pool.js';
import { TapRecorder } from './tap-recorder.js';
import { firstProposals, proposalKeyRequests } from './proposal-source.js';
import { anchorGrid } from './anchor-grid.js';
import { RpnHead } from './rpn-head.js';
import { rpnRegions, type GtBoxes, type RpnConfig } from './rpn-regions.js';
import { TextRegionClassifier, l2Rows, type NovelLogits } from './text-region-classifier.js';
import { ensembleScores } from './ensemble-scores.js';

/** ViLD-text's classifier (`options.classifier`): frozen class-name text embeddings and a background embedding. */
export interface TextClassifierConfig {
  /** The class text embeddings [K · D], row-major, class k of the dataset in row k. */
  readonly text: Float32Array;
  /** D. */
  readonly dim: number;
  /** τ (ViLD: 0.01). */
  readonly temperature: number;
  /** How the novel classes' logits are treated in training. */
  readonly novel: NovelLogits;
  /** The novel classes (the dataset's BASE_NOVEL_CLASSES facet; none without it). */
  readonly novelClasses: readonly number[];
}

/** ViLD-image's distillation proposals (`options.distill`): the first `count` proposals of a batch proposal source. */
export interface DistillProposalsConfig {
  /** Proposal source ('' = `proposals`; a name = `<name>Proposals`). */
  readonly proposals: string;
  /** M: proposals per image (ViLD: 300, `max_num_rois`). */
  readonly count: number;
}

/** ViLD-ensemble (`options.ensemble`): a separate image head trained by ViLD-image, its scores mixed with the text head's. */
export interface EnsembleConfig {
  /** λ: score = p_txt^λ · p_img^(1−λ) on base classes, p_txt^(1−λ) · p_img^λ on novel ones (ViLD: 2/3). */
  readonly lambda: number;
}

/** A region head tower: conv3x3 + ReLU layers, then FC + ReLU (the region embedding). */
interface HeadTower {
  readonly convs: readonly Conv2d[];
  readonly fc: Linear;
}

export interface RegionDetectorConfig {
  /** Image shape without batch dim, NHWC. */
  readonly inputShape: readonly number[];
  /** K object classes; the region classifier has K + 1 outputs (column 0: background). */
  readonly numClasses: number;
  /** Backbone widths c, 2c, 2c: conv3x3 stride 1, then two conv3x3 stride 2 (feature stride 4), each BN + ReLU. */
  readonly width: number;
  /** R: the first R proposals of each image are the regions (with `rpn`: its post-NMS count). */
  readonly regions: number;
  /** Proposal source ('' = the batch's `proposals`; 'biased' = `biasedProposals`, …); unused with `rpn`. */
  readonly proposals: string;
  /** When set, the model proposes its regions itself with this region proposal network. */
  readonly rpn?: RpnConfig;
  /** RoIAlign output grid per region (pool × pool bins of the backbone map). */
  readonly pool: number;
  /** RoIAlign samples per bin and axis (torchvision's sampling_ratio). */
  readonly sampling: number;
  /** conv3x3 + ReLU layers of the region head before its FC layer (ViLD's head: 4 convs + 2 FCs). */
  readonly headConvs: number;
  /** Width of the region embedding (the head's FC layer). */
  readonly hidden: number;
  /** When set, regions are classified by ViLD-text's classifier instead of a linear layer. */
  readonly textClassifier?: TextClassifierConfig;
  /** When set (needs `textClassifier`), ViLD-image's distillation proposals: taps `distillEmbedding`, `distillMask`. */
  readonly distill?: DistillProposalsConfig;
  /**
   * When set (needs `textClassifier` and `distill`), ViLD-ensemble: a second head tower (`imageHead.*`)
   * embeds the distillation proposals and scores the regions (tap `regionScores`).
   */
  readonly ensemble?: EnsembleConfig;
  readonly seed: number;
}

/** Probabilities are kept in [ε, 1 − ε] before their log-odds (so the image-level logits stay finite). */
const EPSILON = 1e-6;

/**
 * A small Fast R-CNN-style detector over the batch's region proposals (the `detection` task's
 * student): a CNN backbone (stride 4, as `vl-scene`'s), RoIAlign of the first R proposals of a
 * proposal source into pool × pool cells, a head of `headConvs` conv3x3 + ReLU and one FC + ReLU
 * (the region embedding), then a region classifier over background + K classes and a class-agnostic
 * box regressor (Faster R-CNN deltas; initialised N(0, 0.01²) and N(0, 0.001²), biases 0, as the
 * official detection code). Padded proposals are pooled like the others and marked by `regionMask`.
 *
 * Taps: `feature` (the backbone map), `regionFeatures` [R, pool²·C] (pooled), `regionEmbedding`
 * [R, hidden], `regionLogits` [R, K+1], `boxDeltas` [R, 4], `regionBoxes` [R, 4] (the proposals the
 * regions were pooled from, pixels) and `regionMask` [R]; and `logits` [K], image-level: the log-odds
 * of each class's best region probability (max over real regions of its softmax score), so the same
 * model is judged as a multi-label classifier too.
 *
 * With `rpn` (Faster R-CNN), the regions are the model's own proposals instead of the batch's: an
 * `RpnHead` on the backbone map scores and regresses anchors (`anchorGrid`, torchvision's
 * AnchorGenerator on the stride-4 map), `rpnRegions` turns them into R proposals (torchvision's
 * filter_proposals, plus the annotated boxes in training with `addGtBoxes`), computed off the tape:
 * no gradient flows through the proposal boxes. Extra taps (the detection task's `RPN_TAPS`, which it
 * trains): `anchors` [A, 4] (pixels), `rpnObjectness` [A] (logits), `rpnDeltas` [A, 4] (weights 1,
 * 1, 1, 1), A = map cells × sizes × ratios, location-major.
 *
 * With `textClassifier` (ViLD-text), the linear region classifier is replaced by a
 * `TextRegionClassifier`: the region embedding is projected to the text embeddings' size D and
 * L2-normalised (tap `regionVisualEmbedding` [R, D], what ViLD-image distils), and `regionLogits` are
 * its cosines with a learnable background embedding and the frozen class-name text embeddings, / τ;
 * in training (`ForwardOptions.training`) the novel classes' logits are masked (× 0) or removed.
 *
 * With `distill` (ViLD-image, needs `textClassifier`), the first M proposals of a batch proposal
 * source are pooled from the same backbone map and sent through the same head and projection as the
 * regions (ViLD's 'vanilla' head: its precomputed proposals are appended to the RoIs): taps
 * `distillEmbedding` [M, D] (L2-normalised, as `regionVisualEmbedding`) and `distillMask` [M] (1 for a
 * real proposal, 0 for padding), computed only when asked for (or when all taps are).
 *
 * With `ensemble` (ViLD-ensemble, needs `textClassifier` and `distill`; the official 'double_branch'
 * head), a second tower of the same shape (`imageHead.conv*` conv3x3 + ReLU, `imageHead.fc` FC + ReLU,
 * `imageHead.projection` Linear to D), built after every other variable (a model without it draws the
 * same initial weights), takes ViLD-image's part: `distillEmbedding` comes from it alone, while
 * `regionLogits` (and `boxDeltas`) come from the text tower alone, so ViLD-image's loss trains the image
 * tower and the backbone, the task's classification loss never reaches the image tower. Backbone, RPN
 * and RoIAlign are shared. Extra tap `regionScores` [R, K+1] (`ensembleScores`): the regions' text
 * probabilities (softmax of the evaluation logits: every class, no novel mask) and image probabilities
 * (softmax over the K classes of the image tower's cosines with the text embeddings / τ) mixed
 * geometrically with λ (base: text^λ·image^(1−λ); novel: text^(1−λ)·image^λ); column 0 is the text
 * background probability. Computed whenever asked for (or when all taps are), in training too; the
 * `detection` task scores its evaluation detections with it when a model declares it. The image-level
 * `logits` stay the text tower's.
 */
export class RegionDetector extends TappedModel {
  readonly arch = 'region-detector';
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly convs: readonly Conv2d[];
  readonly bns: readonly BatchNorm[];
  readonly headConvs: readonly Conv2d[];
  readonly fc: Linear;
  /** The linear region classifier (without `textClassifier`). */
  readonly classifier?: Linear;
  /** ViLD-text's classifier (with `config.textClassifier`). */
  readonly textClassifier?: TextRegionClassifier;
  readonly boxRegressor: Linear;
  /** ViLD-ensemble's image tower and its projection to D (with `config.ensemble`). */
  readonly imageHead?: HeadTower & { readonly projection: Linear };
  /** The region proposal network's head (with `config.rpn`). */
  readonly rpn?: RpnHead;
  /** Its anchors [A · 4], pixels (with `config.rpn`). */
  readonly anchors?: Float32Array;
  private readonly specs: TapSpecs;
  /** The text tower (`head.*`): the regions' head without the ensemble. */
  private readonly textTower: HeadTower;

  constructor(readonly config: RegionDetectorConfig) {
    super();
    this.inputShape = checkInputShape(config.inputShape);
    this.numClasses = config.numClasses;
    const rng = new Rng(config.seed);
    const [h, w, c] = this.inputShape;
    const widths = [config.width, 2 * config.width, 2 * config.width];
    const strides = [1, 2, 2];
    let channels = c;
    const convs: Conv2d[] = [];
    const bns: BatchNorm[] = [];
    widths.forEach((width, i) => {
      convs.push(
        this.addChild(`conv${i + 1}`, new Conv2d(channels, width, { kernel: 3, stride: strides[i]!, padding: 1 }, rng)),
      );
      bns.push(this.addChild(`bn${i + 1}`, new BatchNorm(width)));
      channels = width;
    });
    this.convs = convs;
    this.bns = bns;
    this.headConvs = Array.from({ length: config.headConvs }, (_, i) =>
      this.addChild(
        `head.conv${i + 1}`,
        new Conv2d(channels, channels, { kernel: 3, stride: 1, padding: 1, bias: true, init: 'torch-default' }, rng),
      ),
    );
    const pooled = config.pool * config.pool * channels;
    this.fc = this.addChild('head.fc', new Linear(pooled, config.hidden, rng));
    this.textTower = { convs: this.headConvs, fc: this.fc };
    const text = config.textClassifier;
    if (text && text.text.length !== config.numClasses * text.dim)
      throw new Error(`region-detector: the text classifier needs ${config.numClasses} × ${text.dim} embeddings`);
    const classifier = text ? undefined : new Linear(config.hidden, config.numClasses + 1, rng);
    if (classifier) this.classifier = this.addChild('classifier', classifier);
    this.boxRegressor = this.addChild('boxRegressor', new Linear(config.hidden, 4, rng));
    tf.tidy(() => {
      if (classifier) classifier.weight.assign(normalTensor([config.hidden, config.numClasses + 1], 0.01, rng));
      this.boxRegressor.weight.assign(normalTensor([config.hidden, 4], 0.001, rng));
      if (classifier) classifier.bias!.assign(tf.zerosLike(classifier.bias!));
      this.boxRegressor.bias!.assign(tf.zerosLike(this.boxRegressor.bias!));
    });
    if (text)
      this.textClassifier = this.addChild(
        'textClassifier',
        new TextRegionClassifier({ ...text, hidden: config.hidden }, rng),
      );
    const down = (n: number) => Math.floor((n - 1) / 2) + 1; // conv3x3, stride 2, pad 1
    const featureSize = [down(down(h)), down(down(w))] as const;
    if (config.rpn) {
      // built last, so that a model without an RPN draws the same initial weights
      const { sizes, ratios, convs } = config.rpn;
      this.rpn = this.addChild('rpn', new RpnHead(channels, sizes.length * ratios.length, convs, rng));
      this.anchors = anchorGrid({ featureSize, imageSize: [h, w], sizes, ratios });
    }
    if (config.distill && !text)
      throw new Error(
        'region-detector: the distillation proposals (distill) need the text classifier (its projection)',
      );
    if (config.ensemble && !(text && config.distill))
      throw new Error('region-detector: the ensemble needs the text classifier and the distillation proposals');
    if (config.ensemble && text) {
      // built last, so that a model without the ensemble draws the same initial weights
      const convs = Array.from({ length: config.headConvs }, (_, i) =>
        this.addChild(
          `imageHead.conv${i + 1}`,
          new Conv2d(channels, channels, { kernel: 3, stride: 1, padding: 1, bias: true, init: 'torch-default' }, rng),
        ),
      );
      const fc = this.addChild('imageHead.fc', new Linear(pooled, config.hidden, rng));
      const projection = this.addChild('imageHead.projection', new Linear(config.hidden, text.dim, rng));
      this.imageHead = { convs, fc, projection };
    }
    const a = (this.anchors?.length ?? 0) / 4;
    const r = config.regions;
    const k = config.numClasses;
    this.specs = {
      feature: {
        shape: [...featureSize, channels],
        kind: 'feature',
        description: 'backbone map (stride 4) the regions are pooled from',
      },
      regionFeatures: {
        shape: [r, pooled],
        kind: 'region',
        description: 'RoIAlign-pooled features of the first R proposals',
      },
      regionEmbedding: {
        shape: [r, config.hidden],
        kind: 'region',
        description: 'region embedding (the head FC output, after ReLU)',
      },
      regionLogits: {
        shape: [r, k + 1],
        kind: 'other',
        description: text
          ? `region class logits: cosines with [background, class text embeddings] / τ (${text.temperature}); column 0 is background`
          : 'region class logits; column 0 is background',
      },
      ...(text
        ? {
            regionVisualEmbedding: {
              shape: [r, text.dim],
              kind: 'region' as const,
              description: 'region embedding projected to the text embeddings’ space (D), L2-normalised',
            },
          }
        : {}),
      ...(text && config.ensemble
        ? {
            regionScores: {
              shape: [r, k + 1],
              kind: 'other' as const,
              description: `ViLD-ensemble region scores: text^λ·image^(1−λ) on base classes, text^(1−λ)·image^λ on novel ones (λ ${config.ensemble.lambda}); column 0 is the text background probability`,
            },
          }
        : {}),
      ...(text && config.distill
        ? {
            distillEmbedding: {
              shape: [config.distill.count, text.dim],
              kind: 'region' as const,
              description:
                'projected, L2-normalised embedding (as regionVisualEmbedding) of each distillation proposal, pooled through the same head',
            },
            distillMask: {
              shape: [config.distill.count],
              kind: 'other' as const,
              description: '1 for a real distillation proposal, 0 for a padded one',
            },
          }
        : {}),
      boxDeltas: {
        shape: [r, 4],
        kind: 'other',
        description: 'class-agnostic Faster R-CNN box deltas of each region (weights 10, 10, 5, 5)',
      },
      regionBoxes: { shape: [r, 4], kind: 'other', description: 'the proposals the regions were pooled from, pixels' },
      regionMask: { shape: [r], kind: 'other', description: '1 for a real region, 0 for a padded proposal' },
      logits: {
        shape: [k],
        kind: 'logits',
        description: 'image level: log-odds of the best region probability of each class',
      },
      ...(config.rpn
        ? {
            anchors: { shape: [a, 4], kind: 'other', description: 'RPN anchors, pixels x1, y1, x2, y2 (constant)' },
            rpnObjectness: { shape: [a], kind: 'other', description: 'RPN objectness logit of each anchor' },
            rpnDeltas: {
              shape: [a, 4],
              kind: 'other',
              description: 'RPN box deltas of each anchor (Faster R-CNN encoding, weights 1, 1, 1, 1)',
            },
          }
        : {}),
    };
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    const distill = this.config.distill;
    const keys = this.regionBatchKeys();
    if (!distill) return keys;
    const why = `distillation proposals of source '${distill.proposals}' (options.distill.proposals)`;
    const extra = proposalKeyRequests(distill.proposals, why).filter((k) => !keys.some((r) => r.key === k.key));
    return [...keys, ...extra];
  }

  private regionBatchKeys(): BatchKeyRequest[] {
    const x: BatchKeyRequest = { key: 'x', dtype: 'float32', shape: this.inputShape };
    if (this.config.rpn) {
      if (!this.config.rpn.addGtBoxes) return [x];
      const why = 'annotated boxes, added to the RPN proposals in training (options.rpn.addGtBoxes)';
      return [x, { key: 'boxes', dtype: 'float32', rank: 2, why }, { key: 'boxCount', dtype: 'int32', shape: [], why }];
    }
    const why = `regions of proposal source '${this.config.proposals}' (options.proposals)`;
    return [x, ...proposalKeyRequests(this.config.proposals, why)];
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const r = this.config.regions;
      const taps = new TapRecorder(options.taps);
      let x = batch['x'] as tf.Tensor4D;
      this.convs.forEach((conv, i) => (x = this.bns[i]!.applyRelu(conv.apply(x), options.training) as tf.Tensor4D));
      taps.record('feature', x);
      const { boxes, mask } = this.rpn
        ? this.proposeRegions(x, batch, options.training, taps)
        : firstProposals(batch, this.config.proposals, r, 'region-detector');
      const b = boxes.shape[0];
      const pooled = this.pool(x, boxes);
      const embedding = this.tower(pooled, this.textTower);
      taps.record('regionFeatures', tf.reshape(pooled, [b, r, -1]));
      taps.record('regionEmbedding', tf.reshape(embedding, [b, r, -1]));
      let classLogits: tf.Tensor;
      if (this.textClassifier) {
        const { visual, logits } = this.textClassifier.apply(embedding as tf.Tensor2D, options.training);
        taps.record('regionVisualEmbedding', tf.reshape(visual, [b, r, -1]));
        classLogits = logits;
      } else classLogits = this.classifier!.apply(embedding);
      const regionLogits = tf.reshape(classLogits, [b, r, this.numClasses + 1]);
      taps.record('regionLogits', regionLogits);
      if (this.imageHead && taps.wants('regionScores'))
        taps.record(
          'regionScores',
          this.regionScores(pooled, embedding, options.training ? undefined : classLogits, [b, r]),
        );
      taps.record('boxDeltas', tf.reshape(this.boxRegressor.apply(embedding), [b, r, 4]));
      taps.record('regionBoxes', boxes);
      taps.record('regionMask', mask);
      // image level: each class's best probability over the real regions, as log-odds
      const classProbabilities = tf.slice(tf.softmax(regionLogits), [0, 0, 1], [b, r, this.numClasses]);
      const best = tf.clipByValue(tf.max(tf.mul(classProbabilities, tf.expandDims(mask, 2)), 1), EPSILON, 1 - EPSILON);
      taps.record('logits', tf.sub(tf.log(best), tf.log1p(tf.neg(best))));
      if (this.config.distill && (taps.wants('distillEmbedding') || taps.wants('distillMask')))
        this.distillTaps(x, batch, taps);
      return taps.values;
    }) as TapValues;
  }

  /** RoIAlign of `boxes` [B, N, 4] (pixels) on the backbone map `feature`: the pooled cells [B·N, pool, pool, C]. */
  private pool(feature: tf.Tensor4D, boxes: tf.Tensor3D): tf.Tensor4D {
    const [b, n] = boxes.shape;
    const index = tf.tensor1d(
      Int32Array.from({ length: b * n }, (_, i) => Math.floor(i / n)),
      'int32',
    );
    const { pool, sampling } = this.config;
    const pooled = roiAlign(
      feature,
      tf.reshape(boxes, [b * n, 4]) as tf.Tensor2D,
      index,
      [this.inputShape[0], this.inputShape[1]],
      [pool, pool],
      { sampling },
    );
    return pooled;
  }

  /** A head tower (the text one: `head.*`; the ensemble's image one) over pooled cells: the region embeddings [N, hidden]. */
  private tower(pooled: tf.Tensor4D, tower: HeadTower): tf.Tensor2D {
    let cells: tf.Tensor4D = pooled;
    for (const conv of tower.convs) cells = tf.relu(conv.apply(cells)) as tf.Tensor4D;
    return tf.relu(tower.fc.apply(tf.reshape(cells, [pooled.shape[0], -1]))) as tf.Tensor2D;
  }

  /** The image tower's normalised projected embeddings [N, D] of pooled cells (ViLD-ensemble). */
  private imageEmbed(pooled: tf.Tensor4D): tf.Tensor2D {
    const head = this.imageHead!;
    return l2Rows(head.projection.apply(this.tower(pooled, head))) as tf.Tensor2D;
  }

  /**
   * ViLD-ensemble's region scores [B, R, K+1] from the regions' pooled cells and text-tower embeddings;
   * `evalLogits` [B·R, K+1]: the text logits when already computed without the training mask.
   */
  private regionScores(
    pooled: tf.Tensor4D,
    embedding: tf.Tensor2D,
    evalLogits: tf.Tensor | undefined,
    [b, r]: [number, number],
  ): tf.Tensor3D {
    const classifier = this.textClassifier!;
    const text = (evalLogits ?? classifier.apply(embedding, false).logits) as tf.Tensor2D;
    const image = classifier.classLogits(this.imageEmbed(pooled));
    const { novelClasses } = classifier.config;
    return tf.reshape(ensembleScores(text, image, novelClasses, this.config.ensemble!.lambda), [b, r, -1]);
  }

  /**
   * ViLD-image's student side: the first M proposals of the distillation source through the same
   * head and projection as the regions, or the ensemble's image tower (`distillEmbedding` [B, M, D],
   * normalised) and their mask.
   */
  private distillTaps(feature: tf.Tensor4D, batch: Batch, taps: TapRecorder): void {
    const { proposals, count } = this.config.distill!;
    const { boxes, mask } = firstProposals(batch, proposals, count, 'region-detector (options.distill)');
    const b = boxes.shape[0];
    const pooled = this.pool(feature, boxes);
    const embedded = this.imageHead
      ? this.imageEmbed(pooled)
      : this.textClassifier!.embed(this.tower(pooled, this.textTower));
    taps.record('distillEmbedding', tf.reshape(embedded, [b, count, -1]));
    taps.record('distillMask', mask);
  }

  /**
   * The RPN's regions of a batch (boxes [B, R, 4], mask [B, R]) from the backbone map `feature`; records
   * the RPN taps. The regions are constants made from the head's values: no gradient reaches the
   * head or the backbone through them (Faster R-CNN's proposals are detached too).
   */
  private proposeRegions(
    feature: tf.Tensor4D,
    batch: Batch,
    training: boolean,
    taps: TapRecorder,
  ): { boxes: tf.Tensor3D; mask: tf.Tensor2D } {
    const rpn = this.config.rpn!;
    const anchors = this.anchors!;
    const b = feature.shape[0];
    const a = anchors.length / 4;
    const r = this.config.regions;
    const { objectness, deltas } = this.rpn!.apply(feature);
    taps.record('anchors', tf.tile(tf.tensor3d(anchors, [1, a, 4]), [b, 1, 1]));
    taps.record('rpnObjectness', objectness);
    taps.record('rpnDeltas', deltas);
    const gt = training && rpn.addGtBoxes ? gtBoxesOf(batch) : undefined;
    const regions = rpnRegions(
      anchors,
      objectness.dataSync(),
      deltas.dataSync(),
      { images: b, regions: r, imageSize: [this.inputShape[0], this.inputShape[1]] },
      rpn,
      gt,
    );
    return { boxes: tf.tensor3d(regions.boxes, [b, r, 4]), mask: tf.tensor2d(regions.mask, [b, r]) };
  }
}

/** The batch's annotated boxes (`boxes` [B, M, 4], `boxCount` [B]) for `options.rpn.addGtBoxes`. */
function gtBoxesOf(batch: Batch): GtBoxes {
  const boxes = batch['boxes'];
  const counts = batch['boxCount'];
  if (!boxes || !counts)
    throw new UserError(
      "region-detector: the batch has no 'boxes'/'boxCount' to add to the RPN proposals in training (set options.rpn.addGtBoxes: false for data without annotated boxes)",
    );
  return { boxes: boxes.dataSync(), slots: boxes.shape[1]!, counts: counts.dataSync() };
}
