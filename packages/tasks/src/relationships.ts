import * as tf from '@tensorflow/tfjs';
import {
  facetOf,
  injectable,
  PREDICATE_NAMES,
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
} from '@kd/core';
import {
  predicateRecallAtK,
  tripleVerificationAccuracy,
  type PredicateDetectionImage,
  type RelationshipTriple,
} from '@kd/metrics';
import {
  predicateBinaryCrossEntropy,
  predicateCrossEntropy,
  predicateRowWeights,
  type PairLabels,
} from './relationship-losses.js';
import { fraction, score } from './metric-spec.js';
import { RELATION_TAP, relationHeadPredicates } from './relation-head.js';

export const relationshipsHParams = z
  .object({
    target: z
      .enum(['triples', 'primary'])
      .default('triples')
      .describe(
        "rows of task.ce: 'triples' = one per (pair, predicate) that holds, as RVL-BERT's VRD loader (a pair with two predicates is two rows); 'primary' = one per pair, its primary predicate",
      ),
    annotation: z
      .enum(['all', 'primary'])
      .default('all')
      .describe(
        "which predicates of a pair count as annotated — for the training rows, R@K's ground truth and verification: 'all' that hold (pairPredicates; scenes annotate densely, ≈ 2 per pair, so a pair's one prediction caps R@K near #pairs / #triples) or only its primary one (pairPredicate; as VRD, whose pairs mostly carry one predicate: R@K can reach 100 %)",
      ),
    scores: z
      .enum(['softmax', 'sigmoid'])
      .default('softmax')
      .describe(
        "per-predicate probabilities for R@K and triple verification: 'softmax' over background + predicates (goes with task.ce), 'sigmoid' of each logit (goes with task.bce, as RVL-BERT on SpatialSense)",
      ),
    threshold: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.5)
      .describe(
        'a triple is verified true when its predicate probability is at least this (RVL-BERT rounds the sigmoid: 0.5)',
      ),
  })
  .strict();
export type RelationshipsHParams = z.output<typeof relationshipsHParams>;

export const relationshipsTerms: readonly TermSpec[] = [
  {
    name: 'ce',
    defaultWeight: 1,
    description:
      'softmax cross-entropy of relationLogits [pairs, 1 + predicates] (column 0 = background) over the rows of hparams.target; a real pair with no predicate is a background row (RVL-BERT VRD: F.cross_entropy)',
  },
  {
    name: 'bce',
    defaultWeight: 0,
    description:
      'per-predicate binary cross-entropy of sigmoid(logit) against whether the predicate holds, over every real pair × predicate (RVL-BERT SpatialSense triple verification; use with hparams.scores: sigmoid)',
  },
];

/** The recall cut-offs reported (VRD predicate detection: R@50 and R@100). */
export const RECALL_AT = [50, 100] as const;

export const relationshipsMetrics: readonly MetricSpec[] = [
  fraction(
    'R@50',
    'predicate recall@50: per image, each real pair predicts its best non-background predicate; the 50 most confident are matched to the (pair, predicate) triples that hold; matched / all triples',
  ),
  fraction('R@100', 'predicate recall@100 (as R@50 with the 100 most confident pairs of each image)'),
  fraction(
    'R@all',
    "predicate recall with no top-K cut: every real pair's prediction counts (what RVL-BERT's VRD test script prints as its R@50 and R@100)",
  ),
  fraction(
    'verification',
    'triple-verification accuracy: for every real pair and every predicate, "does it hold" (probability ≥ threshold) against the annotation',
  ),
  score(
    'loss',
    'mean of the term the scores come from over the split: task.ce (scores softmax) or task.bce (scores sigmoid)',
    false,
  ),
];

const metricSuffix = (predicate: string) => predicate.trim().toLowerCase().replace(/\s+/g, '-');

/** The metric name of one predicate's verification accuracy (`verification.left-of`). */
export const predicateVerificationMetric = (predicate: string) => `verification.${metricSuffix(predicate)}`;

/** The metric name of one predicate's recall@50 (`R@50.left-of`): its triples matched in the top 50 / its triples. */
export const predicateRecallMetric = (predicate: string) => `R@50.${metricSuffix(predicate)}`;

/** No cut: a K above any image's pair count (the official test script's recall). */
const UNCUT = Number.MAX_SAFE_INTEGER;

/**
 * Predicate classification over object pairs (RVL-BERT's VRD *predicate detection*: boxes and classes
 * are given, the model names the relation of each ordered pair), with the triple verification of its
 * SpatialSense setting as a second view of the same scores.
 *
 * The model taps `relationLogits` [Q, 1 + N] over the batch's `pairs` (subject, object indices into the
 * annotated `boxes`): column 0 is **background** ("no relation"), column 1 + k is predicate k of the
 * `PREDICATE_NAMES` facet, so the relation head has N + 1 outputs (vl-scene: `options.predicates`).
 *
 * Background: in RVL-BERT's VRD data only some object pairs are annotated; it fills each image's 32
 * sampled pairs up to 3:1 with unannotated pairs labelled background. Here a pair is background when
 * it is real (`pairMask` 1) and no predicate holds for it (`pairPredicates` all zero) — the same
 * meaning, taken from the data instead of sampled. Scenes annotate every predicate of every pair, so
 * they have no background pair: the background logit is then only pushed down, and R@K ignores it
 * anyway (best *non-background* predicate, as RVL-BERT's metric with the background removed); a
 * dataset with unrelated pairs trains it. The task cannot add pairs to a training batch itself: the
 * student has already run on the batch's pairs when the loss is computed.
 *
 * Loss: `task.ce` — softmax CE over background + predicates. RVL-BERT's VRD loader makes one training
 * row per annotated triple, so a pair with several predicates is several rows (`target: triples`,
 * default); `target: primary` trains one row per pair on its primary predicate. `task.bce` (weight 0 by
 * default) is the SpatialSense loss: each predicate's logit through a sigmoid against "holds".
 *
 * Metrics (fractions): predicate recall `R@50` (primary) and `R@100` (ground truth: every (pair,
 * predicate) that holds; a pair predicts one predicate, so R@K is at most #pairs / #triples on pairs
 * with several predicates), `verification` (for every real pair and predicate: probability ≥ threshold
 * vs. holds; SpatialSense accuracy) and its value per predicate, and `loss`. Probabilities are
 * softmax (`scores: softmax`, default, for task.ce) or per-logit sigmoid (`scores: sigmoid`, for
 * task.bce, as RVL-BERT's SpatialSense head).
 */
@injectable()
export class RelationshipsTask implements Task<RelationshipsHParams> {
  private hp: RelationshipsHParams = relationshipsHParams.parse({});
  private predicates: readonly string[] = [];

  setup(ctx: TaskSetupContext<RelationshipsHParams>): void {
    this.hp = ctx.hparams;
    this.predicates = relationHeadPredicates(ctx, 'relationships', (n) => `set student.options.predicates: ${n}`) ?? [];
  }

  requiredTaps() {
    return [{ role: 'student' as const, tap: RELATION_TAP }];
  }

  requiredBatchKeys(): readonly BatchKeyRequest[] {
    const n = this.predicates.length;
    return [
      {
        key: 'pairs',
        dtype: 'int32',
        shape: [-1, 2],
        why: '(subject, object) box indices of the pairs the relation head scores',
      },
      { key: 'pairMask', dtype: 'float32', shape: [-1], why: 'which pair slots are real' },
      {
        key: 'pairPredicate',
        dtype: 'int32',
        shape: [-1],
        why: 'primary predicate per pair (hparams.target: primary)',
      },
      {
        key: 'pairPredicates',
        dtype: 'float32',
        ...(n > 0 ? { shape: [-1, n] } : { rank: 2 }),
        why: 'every predicate that holds per pair (training rows, R@K ground truth, verification labels)',
      },
    ];
  }

  requiredFacets(): readonly Facet<unknown>[] {
    return [PREDICATE_NAMES];
  }

  metrics(): readonly MetricSpec[] {
    return [
      ...relationshipsMetrics,
      ...this.predicates.map((p) =>
        fraction(predicateVerificationMetric(p), `triple-verification accuracy on the triples of predicate '${p}'`),
      ),
      ...this.predicates.map((p) =>
        fraction(
          predicateRecallMetric(p),
          `recall@50 of the ground-truth triples of predicate '${p}' (where a predicate is recognised, e.g. the spatial module on left/right/above/below)`,
        ),
      ),
    ];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    if (!step.active.has('ce') && !step.active.has('bce')) return out;
    const logits = step.student[RELATION_TAP]!;
    const labels = pairLabels(step.batch, this.hp.annotation);
    if (step.active.has('ce')) out['ce'] = predicateCrossEntropy(logits, labels, this.hp.target);
    if (step.active.has('bce')) out['bce'] = predicateBinaryCrossEntropy(logits, labels);
    return out;
  }

  evaluate(ctx: EvaluationContext): Metrics {
    const { model, split } = ctx;
    const n = this.predicates.length || (facetOf(ctx.data, PREDICATE_NAMES)?.length ?? 0);
    const images: PredicateDetectionImage[] = [];
    const verified: number[] = [];
    const holds: number[] = [];
    const ofPredicate: number[] = [];
    let lossSum = 0;
    let lossRows = 0;
    for (const idx of sequentialBatches(split.size, ctx.batchSize)) {
      tf.tidy(() => {
        const batch = split.batch(idx);
        const logits = model.forward(batch, { training: false, taps: RELATION })[RELATION_TAP];
        const labels = pairLabels(batch, this.hp.annotation);
        const [b, q] = labels.pairMask.shape as [number, number];
        const c = n + 1;
        if (!logits || logits.shape.join() !== [b, q, c].join()) {
          throw new Error(
            `relationships task: the model's ${RELATION_TAP} are [${logits?.shape ?? 'missing'}], expected [${b}, ${q}, ${c}] (scenes, pairs, background + ${n} predicates)`,
          );
        }
        const softmax = this.hp.scores === 'softmax';
        const rows = softmax
          ? tf.sum(predicateRowWeights(labels, this.hp.target)).dataSync()[0]!
          : tf.sum(labels.pairMask).dataSync()[0]! * n;
        const loss = softmax
          ? predicateCrossEntropy(logits, labels, this.hp.target)
          : predicateBinaryCrossEntropy(logits, labels);
        lossSum += loss.dataSync()[0]! * rows;
        lossRows += rows;
        const probs = (softmax ? tf.softmax(logits) : tf.sigmoid(logits)).dataSync();
        const pairs = labels.pairs.dataSync();
        const mask = labels.pairMask.dataSync();
        const held = labels.pairPredicates.dataSync();
        for (let i = 0; i < b; i++) {
          const image = {
            groundTruth: [] as RelationshipTriple[],
            candidates: [] as PredicateDetectionImage['candidates'][number][],
          };
          for (let j = 0; j < q; j++) {
            const slot = i * q + j;
            if (mask[slot] !== 1) continue;
            const subject = pairs[slot * 2]!;
            const object = pairs[slot * 2 + 1]!;
            const scores = probs.subarray(slot * c, (slot + 1) * c);
            image.candidates.push({ subject, object, scores });
            for (let k = 0; k < n; k++) {
              const h = held[slot * n + k] === 1 ? 1 : 0;
              if (h) image.groundTruth.push({ subject, object, predicate: k + 1 });
              verified.push(scores[k + 1]! >= this.hp.threshold ? 1 : 0);
              holds.push(h);
              ofPredicate.push(k);
            }
          }
          images.push(image);
        }
      });
    }
    const recall = predicateRecallAtK(images, [...RECALL_AT, UNCUT]);
    // no triples / no pairs (an empty split): 0, as the classification task reports an empty split
    const orZero = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 0 : v);
    const out: Record<string, number> = {
      'R@50': orZero(recall.recall[50]),
      'R@100': orZero(recall.recall[100]),
      'R@all': orZero(recall.recall[UNCUT]),
      verification: 0,
      loss: lossRows > 0 ? lossSum / lossRows : 0,
    };
    this.predicates.forEach(
      (p, k) => (out[predicateRecallMetric(p)] = orZero(recall.perPredicate.get(k + 1)?.recall[50])),
    );
    if (holds.length > 0) {
      const v = tripleVerificationAccuracy(verified, holds, ofPredicate, n);
      out['verification'] = v.accuracy;
      this.predicates.forEach((p, k) => (out[predicateVerificationMetric(p)] = orZero(v.perPredicate[k])));
    } else {
      for (const p of this.predicates) out[predicateVerificationMetric(p)] = 0;
    }
    return out;
  }
}

const RELATION = new Set([RELATION_TAP]);

/**
 * The pair annotations of a batch (its keys were checked at build time); with `annotation: primary`
 * a pair's annotated predicates are only its primary one (none for a pair without one).
 */
function pairLabels(batch: Batch, annotation: 'all' | 'primary'): PairLabels & { pairs: tf.Tensor } {
  const get = (key: string) => {
    const t = batch[key];
    if (!t) throw new Error(`relationships task: the batch has no '${key}'`);
    return t;
  };
  const all = get('pairPredicates');
  const primary = get('pairPredicate');
  return {
    pairs: get('pairs'),
    pairMask: get('pairMask'),
    // tf.oneHot of −1 (no primary / padding) is a zero row
    pairPredicates:
      annotation === 'primary' ? tf.oneHot(tf.cast(primary, 'int32'), all.shape[all.shape.length - 1]!) : all,
    pairPredicate: primary,
  };
}
