import * as tf from '@tensorflow/tfjs';
import {
  binaryCrossEntropyWithLogitsPerEntry,
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
import { fraction, score } from './metric-spec.js';
import { RELATION_TAP, relationHeadPredicates } from './relation-head.js';

export const tripleVerificationHParams = z.object({}).strict();
export type TripleVerificationHParams = z.output<typeof tripleVerificationHParams>;

export const tripleVerificationTerms: readonly TermSpec[] = [
  {
    name: 'bce',
    defaultWeight: 1,
    description:
      "binary cross-entropy with logits of the queried predicate's logit (relationLogits column 1 + pairQuery) against pairTruth, mean over the real queries (RVL-BERT SpatialSense: BCEWithLogits of Σ_c logits_c · onehot(predicate)_c)",
  },
];

export const tripleVerificationMetrics: readonly MetricSpec[] = [
  fraction(
    'accuracy',
    "triple-verification accuracy over the queries: 'true' when the queried logit > 0 (RVL-BERT rounds the sigmoid, so exactly 0.5 is false) against the truth; micro over all queries",
  ),
  score('loss', 'mean task.bce over the queries of the split', false),
];

/** The metric name of one predicate's query accuracy (`accuracy.left-of`). */
export const queryAccuracyMetric = (predicate: string) =>
  `accuracy.${predicate.trim().toLowerCase().replace(/\s+/g, '-')}`;

const RELATION = new Set([RELATION_TAP]);

/** The queries of a batch: [B, Q] queried predicate (−1 padding), truth, real-pair mask. */
interface Queries {
  readonly query: tf.Tensor;
  readonly truth: tf.Tensor;
  readonly mask: tf.Tensor;
}

function queriesOf(batch: Batch): Queries {
  const get = (key: string) => {
    const t = batch[key];
    if (!t) throw new Error(`triple-verification task: the batch has no '${key}'`);
    return t;
  };
  return { query: get('pairQuery'), truth: get('pairTruth'), mask: get('pairMask') };
}

/** The queried predicate's logit per pair slot, [B·Q]: relationLogits [B, Q, 1 + N] at column 1 + query (0 for padding). */
export function queriedLogits(logits: tf.Tensor, query: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const c = logits.shape[logits.shape.length - 1]!;
    const column = tf.add(tf.reshape(tf.cast(query, 'int32'), [-1]), tf.scalar(1, 'int32')); // padding −1 → background column 0
    return tf.sum(tf.mul(tf.reshape(logits, [-1, c]), tf.oneHot(column, c)), 1) as tf.Tensor1D;
  });
}

/** Mean BCE-with-logits of the queried logits against the truth over the real queries; 0 when none. */
export function queriedBinaryCrossEntropy(logits: tf.Tensor, q: Queries): tf.Scalar {
  return tf.tidy(() => {
    const z = queriedLogits(logits, q.query);
    const y = tf.reshape(tf.cast(q.truth, 'float32'), [-1]);
    const real = tf.reshape(tf.cast(q.mask, 'float32'), [-1]);
    const perQuery = binaryCrossEntropyWithLogitsPerEntry(z, y);
    return tf.div(tf.sum(tf.mul(perQuery, real)), tf.maximum(tf.sum(real), 1)) as tf.Scalar;
  });
}

/**
 * SpatialSense-like triple verification (RVL-BERT's second setting): each real pair slot carries one
 * query — "does ⟨subject⟩ ⟨predicate⟩ ⟨object⟩ hold?" (`pairQuery`, `pairTruth`; scenes make half of
 * them false by swapping the roles or perturbing the predicate) — and the model answers with the
 * queried predicate's logit of its relation head (`relationLogits` [B, Q, 1 + N], column 1 + k =
 * predicate k; background unused). A model that reads the query (rvl-bert with `query: true` writes
 * the predicate's words into its text, as the official SpatialSense variant) answers that one question;
 * one that does not scores every predicate and is judged on the asked one.
 *
 * Loss `task.bce`: BCE with logits against the truth, mean over the batch's queries. Metrics:
 * `accuracy` (logit > 0, as the official `round(sigmoid)`), per queried predicate
 * (`accuracy.left-of`…), and `loss`.
 */
@injectable()
export class TripleVerificationTask implements Task<TripleVerificationHParams> {
  private predicates: readonly string[] = [];

  setup(ctx: TaskSetupContext<TripleVerificationHParams>): void {
    this.predicates = relationHeadPredicates(ctx, 'triple-verification') ?? [];
  }

  requiredTaps() {
    return [{ role: 'student' as const, tap: RELATION_TAP }];
  }

  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [
      { key: 'pairs', dtype: 'int32', shape: [-1, 2], why: '(subject, object) box indices of the queried pairs' },
      { key: 'pairMask', dtype: 'float32', shape: [-1], why: 'which pair slots are real' },
      { key: 'pairQuery', dtype: 'int32', shape: [-1], why: 'the predicate each query asks about' },
      { key: 'pairTruth', dtype: 'float32', shape: [-1], why: 'whether the queried predicate holds' },
    ];
  }

  requiredFacets(): readonly Facet<unknown>[] {
    return [PREDICATE_NAMES];
  }

  metrics(): readonly MetricSpec[] {
    return [
      ...tripleVerificationMetrics,
      ...this.predicates.map((p) => fraction(queryAccuracyMetric(p), `accuracy on the queries that ask '${p}'`)),
    ];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    if (!step.active.has('bce')) return {};
    return { bce: queriedBinaryCrossEntropy(step.student[RELATION_TAP]!, queriesOf(step.batch)) };
  }

  evaluate(ctx: EvaluationContext): Metrics {
    const { model, split } = ctx;
    const n = this.predicates.length;
    const right = new Float64Array(n);
    const asked = new Float64Array(n);
    let lossSum = 0;
    let count = 0;
    for (const idx of sequentialBatches(split.size, ctx.batchSize)) {
      tf.tidy(() => {
        const batch = split.batch(idx);
        const logits = model.forward(batch, { training: false, taps: RELATION })[RELATION_TAP];
        const q = queriesOf(batch);
        const [b, slots] = q.mask.shape as [number, number];
        if (!logits || logits.shape.join() !== [b, slots, n + 1].join())
          throw new Error(
            `triple-verification task: the model's ${RELATION_TAP} are [${logits?.shape ?? 'missing'}], expected [${b}, ${slots}, ${n + 1}]`,
          );
        const real = tf.sum(q.mask).dataSync()[0]!;
        lossSum += queriedBinaryCrossEntropy(logits, q).dataSync()[0]! * real;
        count += real;
        const z = queriedLogits(logits, q.query).dataSync();
        const query = q.query.dataSync();
        const truth = q.truth.dataSync();
        const mask = q.mask.dataSync();
        for (let s = 0; s < z.length; s++) {
          if (mask[s] !== 1) continue;
          const k = query[s]!;
          asked[k]!++;
          if ((z[s]! > 0 ? 1 : 0) === truth[s]) right[k]!++;
        }
      });
    }
    const total = asked.reduce((a, v) => a + v, 0);
    const out: Record<string, number> = {
      accuracy: total > 0 ? right.reduce((a, v) => a + v, 0) / total : 0,
      loss: count > 0 ? lossSum / count : 0,
    };
    this.predicates.forEach((p, k) => (out[queryAccuracyMetric(p)] = asked[k]! > 0 ? right[k]! / asked[k]! : 0));
    return out;
  }
}
