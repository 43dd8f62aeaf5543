import * as tf from '@tensorflow/tfjs';
import {
  BASE_NOVEL_CLASSES,
  UserError,
  injectable,
  requireFacet,
  sequentialBatches,
  z,
  type Batch,
  type BatchKeyRequest,
  type EvaluationContext,
  type Facet,
  type Metrics,
  type MetricSpec,
  type StepContext,
  type Task,
  type TaskSetupContext,
  type TermSpec,
  type TappedModel,
} from '@kd/core';
import { detectionAveragePrecision, meanAp, type Detection, type GroundTruthBox } from '@kd/metrics';
import { anchorTargets } from './detection/anchor-targets.js';
import { decodeDetections } from './detection/decode-detections.js';
import { boxRegressionLoss, regionClassificationLoss } from './detection/detection-losses.js';
import { objectnessLoss, rpnBoxLoss } from './detection/rpn-losses.js';
import { regionTargets, type BatchObjects, type BatchRegions, type RegionTargets } from './detection/region-targets.js';

export const detectionHParams = z
  .object({
    regionsPerImage: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe('regions sampled per image for the losses (the official code: 512 of 1000 proposals)'),
    foregroundFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(0.25)
      .describe('at most this share of the sampled regions is foreground (ViLD / Faster R-CNN: 0.25)'),
    foregroundIoU: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe(
        'a region is foreground when its IoU with an annotated object is at least this, else background (ViLD: 0.5)',
      ),
    boxLossBeta: z
      .number()
      .positive()
      .default(1)
      .describe('smooth-L1 β of the box loss (the official Fast R-CNN loss: Huber δ = 1; torchvision uses 1/9)'),
    rpnAnchorsPerImage: z
      .number()
      .int()
      .positive()
      .default(256)
      .describe('anchors sampled per image for the RPN terms (torchvision, Detectron, ViLD: 256)'),
    rpnForegroundFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('at most this share of the sampled anchors is foreground (torchvision, Detectron, ViLD: 0.5)'),
    rpnForegroundIoU: z
      .number()
      .gt(0)
      .max(1)
      .default(0.7)
      .describe('an anchor is foreground at IoU ≥ this with a base annotation (torchvision, Detectron, ViLD: 0.7)'),
    rpnBackgroundIoU: z
      .number()
      .min(0)
      .max(1)
      .default(0.3)
      .describe('an anchor is background at IoU < this with every base annotation; in between, ignored (0.3)'),
    rpnBoxLossBeta: z
      .number()
      .positive()
      .default(1 / 9)
      .describe('smooth-L1 β of the RPN box loss (torchvision and the TPU code: 1/9)'),
    scoreThreshold: z
      .number()
      .min(0)
      .lt(1)
      .default(0)
      .describe('decoding keeps a (region, class) pair whose probability is above this (ViLD: 0)'),
    nmsIoU: z.number().gt(0).max(1).default(0.5).describe('per-class NMS IoU threshold at decoding (ViLD: 0.5)'),
    maxDetections: z
      .number()
      .int()
      .positive()
      .default(300)
      .describe('detections kept per image, best first (ViLD: 300)'),
  })
  .strict();
export type DetectionHParams = z.output<typeof detectionHParams>;

export const detectionTerms: readonly TermSpec[] = [
  {
    name: 'cls',
    defaultWeight: 1,
    description:
      'softmax cross-entropy over background + K classes of the sampled regions (labelled by IoU with the base annotations), mean over the sampled regions',
  },
  {
    name: 'box',
    defaultWeight: 1,
    description:
      'smooth-L1 between the class-agnostic box deltas of the foreground regions and the Faster R-CNN encoding (weights 10, 10, 5, 5) of their object, mean over their coordinates',
  },
  {
    name: 'rpn_objectness',
    defaultWeight: 1,
    description:
      "an RPN's objectness: BCE-with-logits of the sampled anchors (IoU ≥ 0.7 with a base annotation or an annotation's best anchor: object; < 0.3: background), mean over them; only for a model with the RPN taps (anchors, rpnObjectness, rpnDeltas), off for others",
  },
  {
    name: 'rpn_box',
    defaultWeight: 1,
    description:
      "an RPN's box regression: smooth-L1 (β 1/9) between the deltas of the sampled foreground anchors and the encoding (weights 1, 1, 1, 1) of their object, summed and divided by the number of sampled anchors (torchvision); only for a model with the RPN taps, off for others",
  },
];

/** The RPN terms, which only a model that declares every one of `RPN_TAPS` can have. */
const RPN_TERMS = ['rpn_objectness', 'rpn_box'] as const;

const ap50 = (name: string, description: string): MetricSpec => ({
  name,
  unit: 'fraction',
  higherIsBetter: true,
  description,
});

export const detectionMetrics: readonly MetricSpec[] = [
  ap50(
    'AP50',
    'mean over all classes of the detection AP at IoU 0.5 (all-point), against every object of the images, novel ones included',
  ),
  ap50('AP50.base', 'AP50 averaged over the base classes (those annotated in training)'),
  {
    name: 'loss',
    unit: 'score',
    higherIsBetter: false,
    description:
      'region classification CE over every region + box smooth-L1 over the foreground ones, against the base annotations',
  },
];

const novelMetric = ap50(
  'AP50.novel',
  'AP50 averaged over the novel classes (unannotated in training, unless the data’s oracle option (annotateNovel) annotates them)',
);

/** The taps a detector exposes for this task (declared shapes without the batch dim). */
export const DETECTION_TAPS = {
  /** [R, K+1] class logits of each region; column 0 is background. */
  regionLogits: 'regionLogits',
  /** [R, 4] class-agnostic box deltas (Faster R-CNN encoding, weights 10, 10, 5, 5). */
  boxDeltas: 'boxDeltas',
  /** [R, 4] the boxes (pixels) the regions were pooled from. */
  regionBoxes: 'regionBoxes',
  /** [R] 1 for a real region, 0 for padding. */
  regionMask: 'regionMask',
} as const;

/**
 * The taps of a model's region proposal network, all or none (declared shapes without the batch dim;
 * A anchors per image, the same A for all three).
 */
export const RPN_TAPS = {
  /** [A, 4] the anchors (pixels, x1, y1, x2, y2); a slot without area (e.g. zeros) is padding, ignored. */
  anchors: 'anchors',
  /** [A] objectness logit of each anchor (object vs background; a sigmoid, not a softmax over 2). */
  rpnObjectness: 'rpnObjectness',
  /** [A, 4] box deltas of each anchor relative to it (Faster R-CNN encoding, weights 1, 1, 1, 1). */
  rpnDeltas: 'rpnDeltas',
} as const;

/**
 * An optional tap: [R, K+1] the region scores to evaluate with instead of softmax(`regionLogits`)
 * (column 0 background, ignored by the decoding; e.g. ViLD-ensemble's geometric mix of two heads).
 * Only the evaluation's detections read it; training and the `loss` metric use `regionLogits`.
 */
export const DETECTION_SCORES_TAP = 'regionScores';

const TAP_SET = new Set(Object.values(DETECTION_TAPS));
const TAP_SET_WITH_SCORES = new Set([...TAP_SET, DETECTION_SCORES_TAP]);

/**
 * Object detection over region proposals (Fast R-CNN style; ViLD's student). The model classifies R
 * regions of each image into background + K classes (`regionLogits`) and regresses one box per
 * region (`boxDeltas`), for the regions it pooled (`regionBoxes`, `regionMask`: e.g. the first R
 * dataset proposals). Training: each region is labelled by IoU with the image's base annotations
 * (`boxes`, `boxClasses`, `boxCount`; novel objects stay unannotated, hence background); a balanced
 * sample per image (deterministic from the step) gives `task.cls` (softmax CE) and its foreground
 * regions `task.box` (smooth-L1 on the encoded deltas). Evaluation: softmax scores (or the optional `regionScores`), deltas applied to
 * the regions, clipped, per-class NMS, the top detections per image; AP at IoU 0.5 against every
 * object (`fullBoxes`, `fullBoxClasses`, `fullBoxCount`), over all, base and novel classes
 * (`BASE_NOVEL_CLASSES`).
 *
 * A model with a region proposal network declares its taps (`RPN_TAPS`: `anchors` [A, 4],
 * `rpnObjectness` [A], `rpnDeltas` [A, 4]); the task then also trains it, as torchvision's
 * `RegionProposalNetwork` (= Detectron's and the official ViLD/TPU RPN: fg IoU 0.7, bg < 0.3, each
 * annotation's best anchors foreground, 256 anchors per image of which at most half foreground,
 * deltas weights 1, 1, 1, 1, smooth-L1 β 1/9): `task.rpn_objectness` (BCE-with-logits mean over the
 * sampled anchors) and `task.rpn_box` (smooth-L1 over the sampled foreground anchors, summed and
 * divided by the number sampled), each at weight 1 (ViLD's). For a model without the RPN taps the two
 * terms are unavailable (`unavailableTerms`): the run switches them off, or refuses a config that
 * weights them (`task.weights.rpn_*`) in one line at build time; a model with only some of the three
 * taps is refused at setup. The evaluation (`loss` metric included) does not use the RPN.
 *
 * A model that declares the optional tap `regionScores` [R, K+1] (`DETECTION_SCORES_TAP`, e.g. the
 * region detector with ViLD-ensemble) has its evaluation detections scored by it instead of
 * softmax(`regionLogits`); the `loss` metric and training still use `regionLogits`.
 */
@injectable()
export class DetectionTask implements Task<DetectionHParams> {
  private hp: DetectionHParams = detectionHParams.parse({});
  private base: readonly number[] = [];
  private novel: readonly number[] = [];
  /** Whether the student declares every RPN tap (then `rpn_objectness` and `rpn_box` are computed). */
  private hasRpn = false;
  /** The student as errors name it. */
  private who = '';

  setup(ctx: TaskSetupContext<DetectionHParams>): void {
    this.hp = ctx.hparams;
    const split = requireFacet(ctx.data, BASE_NOVEL_CLASSES);
    this.base = split.base;
    this.novel = split.novel;
    const k = ctx.data.numClasses;
    const logits = ctx.tap('student', DETECTION_TAPS.regionLogits);
    const who = `model '${ctx.student.name}' (${ctx.student.model.arch})`;
    this.who = who;
    if (logits.shape.length !== 2 || logits.shape[1] !== k + 1) {
      throw new UserError(
        `detection task: ${who} has regionLogits [${logits.shape.join(', ')}], expected [R, ${k + 1}] (background + ${k} classes)`,
      );
    }
    const deltas = ctx.tap('student', DETECTION_TAPS.boxDeltas);
    if (deltas.shape.length !== 2 || deltas.shape[1] !== 4) {
      throw new UserError(
        `detection task: ${who} has boxDeltas [${deltas.shape.join(', ')}], expected [R, 4] (one class-agnostic box per region)`,
      );
    }
    this.hasRpn = this.checkRpnTaps(ctx, who);
    const scores = ctx.student.model.tapSpecs()[DETECTION_SCORES_TAP];
    if (scores && (scores.shape.length !== 2 || scores.shape[1] !== k + 1 || scores.shape[0] !== logits.shape[0]))
      throw new UserError(
        `detection task: ${who} has regionScores [${scores.shape.join(', ')}], expected [${logits.shape[0]}, ${k + 1}] (as regionLogits)`,
      );
  }

  /** Whether the student has an RPN: all of `RPN_TAPS` (with consistent shapes) or none; a partial set is refused. */
  private checkRpnTaps(ctx: TaskSetupContext<DetectionHParams>, who: string): boolean {
    const declared = ctx.student.model.tapSpecs();
    const names = Object.values(RPN_TAPS);
    const missing = names.filter((t) => !declared[t]);
    if (missing.length === names.length) return false;
    if (missing.length > 0)
      throw new UserError(
        `detection task: ${who} declares only some RPN taps: missing ${missing.join(', ')} (an RPN needs all of ${names.join(', ')})`,
      );
    const shape = (t: string) => ctx.tap('student', t).shape;
    const anchors = shape(RPN_TAPS.anchors);
    const a = anchors[0];
    const expect: Record<string, string> = {
      [RPN_TAPS.anchors]: '[A, 4]',
      [RPN_TAPS.rpnObjectness]: '[A]',
      [RPN_TAPS.rpnDeltas]: '[A, 4]',
    };
    const fits: Record<string, boolean> = {
      [RPN_TAPS.anchors]: anchors.length === 2 && anchors[1] === 4,
      [RPN_TAPS.rpnObjectness]: shape(RPN_TAPS.rpnObjectness).join() === `${a}`,
      [RPN_TAPS.rpnDeltas]: shape(RPN_TAPS.rpnDeltas).join() === `${a},4`,
    };
    for (const t of names)
      if (!fits[t])
        throw new UserError(
          `detection task: ${who} has ${t} [${shape(t).join(', ')}], expected ${expect[t]} (A anchors, the same A for ${names.join(', ')})`,
        );
    if (this.hp.rpnBackgroundIoU > this.hp.rpnForegroundIoU)
      throw new UserError(
        `detection task: hparams rpnBackgroundIoU ${this.hp.rpnBackgroundIoU} exceeds rpnForegroundIoU ${this.hp.rpnForegroundIoU}`,
      );
    return true;
  }

  /** Without all of `RPN_TAPS`, a model cannot have the RPN terms. */
  unavailableTerms(model: TappedModel): readonly { term: string; why: string }[] {
    const declared = model.tapSpecs();
    if (Object.values(RPN_TAPS).every((t) => declared[t])) return [];
    const why = `model '${model.arch}' has no RPN (it declares none or not all of the taps ${Object.values(RPN_TAPS).join(', ')})`;
    return RPN_TERMS.map((term) => ({ term, why }));
  }

  /** The region taps; with the RPN taps too when the student has an RPN (set up first). */
  requiredTaps() {
    const taps = [...Object.values(DETECTION_TAPS), ...(this.hasRpn ? Object.values(RPN_TAPS) : [])];
    return taps.map((tap) => ({ role: 'student' as const, tap }));
  }

  requiredBatchKeys(): readonly BatchKeyRequest[] {
    const base = 'base annotations: training targets of the regions';
    const full = 'every object, novel ones included: the ground truth of AP';
    return [
      { key: 'boxes', dtype: 'float32', rank: 2, why: base },
      { key: 'boxClasses', dtype: 'int32', rank: 1, why: base },
      { key: 'boxCount', dtype: 'int32', shape: [], why: base },
      { key: 'fullBoxes', dtype: 'float32', rank: 2, why: full },
      { key: 'fullBoxClasses', dtype: 'int32', rank: 1, why: full },
      { key: 'fullBoxCount', dtype: 'int32', shape: [], why: full },
    ];
  }

  requiredFacets(): readonly Facet<unknown>[] {
    return [BASE_NOVEL_CLASSES];
  }

  metrics(): readonly MetricSpec[] {
    return this.novel.length > 0
      ? [...detectionMetrics.slice(0, 2), novelMetric, ...detectionMetrics.slice(2)]
      : detectionMetrics;
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    return { ...this.headLosses(step), ...this.rpnLosses(step) };
  }

  /** `cls` and `box` on the model's regions (those active). */
  private headLosses(step: StepContext): Record<string, tf.Scalar> {
    const wantCls = step.active.has('cls');
    const wantBox = step.active.has('box');
    if (!wantCls && !wantBox) return {};
    const logits = step.student[DETECTION_TAPS.regionLogits]! as tf.Tensor3D;
    const deltas = step.student[DETECTION_TAPS.boxDeltas]! as tf.Tensor3D;
    const sample = {
      perImage: this.hp.regionsPerImage,
      foregroundFraction: this.hp.foregroundFraction,
      seed: step.step,
    };
    const targets = regionTargets(regionsOf(step.student), objectsOf(step.batch, 'boxes', 'boxClasses', 'boxCount'), {
      foregroundIoU: this.hp.foregroundIoU,
      sample,
    });
    return tf.tidy(() => {
      const out: Record<string, tf.Scalar> = {};
      if (wantCls) out['cls'] = regionClassificationLoss(flatRows(logits), targets.rows, targets.labels);
      if (wantBox)
        out['box'] = boxRegressionLoss(
          flatRows(deltas),
          targets.foregroundRows,
          targets.boxTargets,
          this.hp.boxLossBeta,
        );
      return out;
    });
  }

  /**
   * `rpn_objectness` and `rpn_box` (those active) on the model's anchors against the base
   * annotations. The run switches them off for a model without an RPN (`unavailableTerms`).
   */
  private rpnLosses(step: StepContext): Record<string, tf.Scalar> {
    const active = RPN_TERMS.filter((t) => step.active.has(t));
    if (active.length === 0) return {};
    if (!this.hasRpn)
      throw new Error(
        `detection task: ${active.join(', ')} active but ${this.who} has no RPN (a run switches unavailable terms off)`,
      );
    const anchors = step.student[RPN_TAPS.anchors]!;
    const objectness = step.student[RPN_TAPS.rpnObjectness]!;
    const deltas = step.student[RPN_TAPS.rpnDeltas]!;
    const [b, a] = anchors.shape as [number, number, number];
    const targets = anchorTargets(
      { images: b, perImage: a, boxes: anchors.dataSync() },
      objectsOf(step.batch, 'boxes', 'boxClasses', 'boxCount'),
      {
        foregroundIoU: this.hp.rpnForegroundIoU,
        backgroundIoU: this.hp.rpnBackgroundIoU,
        sample: {
          perImage: this.hp.rpnAnchorsPerImage,
          foregroundFraction: this.hp.rpnForegroundFraction,
          seed: step.step,
        },
      },
    );
    return tf.tidy(() => {
      const out: Record<string, tf.Scalar> = {};
      if (step.active.has('rpn_objectness'))
        out['rpn_objectness'] = objectnessLoss(
          tf.reshape(objectness, [-1]) as tf.Tensor1D,
          targets.rows,
          targets.labels,
        );
      if (step.active.has('rpn_box'))
        out['rpn_box'] = rpnBoxLoss(
          tf.reshape(deltas, [-1, 4]) as tf.Tensor2D,
          targets.foregroundRows,
          targets.boxTargets,
          targets.rows.length,
          this.hp.rpnBoxLossBeta,
        );
      return out;
    });
  }

  evaluate(ctx: EvaluationContext): Metrics {
    const { model, split } = ctx;
    if (split.size === 0) return this.zeros();
    const k = ctx.data.numClasses;
    const [height, width] = ctx.data.inputShape as [number, number, number];
    // a model that declares regionScores has its detections scored by them
    const withScores = model.tapSpecs()[DETECTION_SCORES_TAP] !== undefined;
    const detections: Detection[] = [];
    const truths: GroundTruthBox[] = [];
    let clsSum = 0;
    let clsCount = 0;
    let boxSum = 0;
    let boxCount = 0;
    for (const idx of sequentialBatches(split.size, ctx.batchSize)) {
      tf.tidy(() => {
        const batch = split.batch(idx);
        const out = model.forward(batch, { training: false, taps: withScores ? TAP_SET_WITH_SCORES : TAP_SET });
        const logits = out[DETECTION_TAPS.regionLogits]! as tf.Tensor3D;
        const regions = regionsOf(out);
        const [b, r, columns] = logits.shape;
        const probabilities = (withScores ? out[DETECTION_SCORES_TAP]! : tf.softmax(logits)).dataSync();
        const deltas = out[DETECTION_TAPS.boxDeltas]!.dataSync();
        const options = {
          imageSize: [height, width] as const,
          scoreThreshold: this.hp.scoreThreshold,
          nmsIoU: this.hp.nmsIoU,
          maxDetections: this.hp.maxDetections,
        };
        for (let i = 0; i < b; i++) {
          const boxes = Array.from({ length: r }, (_, j) =>
            Array.from(regions.boxes.subarray((i * r + j) * 4, (i * r + j + 1) * 4)),
          );
          const found = decodeDetections(
            probabilities.subarray(i * r * columns, (i + 1) * r * columns),
            deltas.subarray(i * r * 4, (i + 1) * r * 4),
            boxes,
            regions.mask.subarray(i * r, (i + 1) * r),
            options,
          );
          for (const d of found) detections.push({ imageId: idx[i]!, classId: d.classId, box: d.box, score: d.score });
        }
        const full = objectsOf(batch, 'fullBoxes', 'fullBoxClasses', 'fullBoxCount');
        for (let i = 0; i < b; i++) {
          for (let j = 0; j < Math.min(full.counts[i]!, full.slots); j++) {
            const at = i * full.slots + j;
            truths.push({
              imageId: idx[i]!,
              classId: full.classes[at]!,
              box: Array.from(full.boxes.subarray(at * 4, at * 4 + 4)),
            });
          }
        }
        const targets: RegionTargets = regionTargets(regions, objectsOf(batch, 'boxes', 'boxClasses', 'boxCount'), {
          foregroundIoU: this.hp.foregroundIoU,
        });
        clsSum +=
          regionClassificationLoss(flatRows(logits), targets.rows, targets.labels).dataSync()[0]! * targets.rows.length;
        clsCount += targets.rows.length;
        boxSum +=
          boxRegressionLoss(
            flatRows(out[DETECTION_TAPS.boxDeltas]! as tf.Tensor3D),
            targets.foregroundRows,
            targets.boxTargets,
            this.hp.boxLossBeta,
          ).dataSync()[0]! * targets.foregroundRows.length;
        boxCount += targets.foregroundRows.length;
      });
    }
    const loss = (clsCount ? clsSum / clsCount : 0) + (boxCount ? boxSum / boxCount : 0);
    const ap = detectionAveragePrecision(detections, truths, { numClasses: k, iouThreshold: 0.5 }).ap;
    return {
      AP50: meanAp(ap),
      'AP50.base': meanAp(ap, this.base),
      ...(this.novel.length > 0 ? { 'AP50.novel': meanAp(ap, this.novel) } : {}),
      loss,
    };
  }

  private zeros(): Metrics {
    return Object.fromEntries(this.metrics().map((m) => [m.name, 0]));
  }
}

/** [B, R, C] → [B·R, C]: region rows across the batch, as `regionTargets` numbers them. */
function flatRows(t: tf.Tensor3D): tf.Tensor2D {
  return tf.reshape(t, [-1, t.shape[2]]);
}

/** The model's regions of a batch (`regionBoxes` [B, R, 4], `regionMask` [B, R]) as plain arrays. */
function regionsOf(
  taps: Readonly<Record<string, tf.Tensor>>,
): BatchRegions & { boxes: Float32Array; mask: Float32Array } {
  const boxes = taps[DETECTION_TAPS.regionBoxes]!;
  const mask = taps[DETECTION_TAPS.regionMask]!;
  const [b, r] = boxes.shape as [number, number, number];
  return {
    images: b,
    perImage: r,
    boxes: Float32Array.from(boxes.dataSync()),
    mask: Float32Array.from(mask.dataSync()),
  };
}

/** Annotated objects of a batch under the given keys (base: boxes…, every object: fullBoxes…) as plain arrays. */
function objectsOf(
  batch: Batch,
  boxes: string,
  classes: string,
  count: string,
): BatchObjects & { boxes: Float32Array; classes: Int32Array } {
  const b = batch[boxes]!;
  return {
    slots: b.shape[1]!,
    boxes: Float32Array.from(b.dataSync()),
    classes: Int32Array.from(batch[classes]!.dataSync()),
    counts: Int32Array.from(batch[count]!.dataSync()),
  };
}
