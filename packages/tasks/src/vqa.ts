import * as tf from '@tensorflow/tfjs';
import {
  ANSWER_VOCABULARY,
  UserError,
  facetOf,
  injectable,
  sequentialBatches,
  z,
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
import { answerBinaryCrossEntropy } from './answer-bce.js';

export const vqaHParams = z
  .object({
    reduction: z
      .enum(['sum', 'mean'])
      .default('sum')
      .describe(
        "answer BCE: 'sum' over the answers, mean over questions (BCE mean × A, as the bottom-up-top-down, Oscar and VisualBERT/MMF VQA code); 'mean' over both",
      ),
  })
  .strict();
export type VqaHParams = z.output<typeof vqaHParams>;

export const vqaTerms: readonly TermSpec[] = [
  {
    name: 'bce',
    defaultWeight: 1,
    description:
      'binary cross-entropy of sigmoid(logits) over the answer vocabulary against the soft answer scores answerScores [B, A] (summed over answers, mean over questions)',
  },
];

export const vqaMetrics: readonly MetricSpec[] = [
  {
    name: 'accuracy',
    unit: 'fraction',
    higherIsBetter: true,
    description:
      'VQA accuracy of the top answer: its soft score min(#humans who gave it / 3, 1) (1 or 0 for a question with one true answer), mean over questions',
  },
  {
    name: 'loss',
    unit: 'score',
    higherIsBetter: false,
    description: 'mean answer BCE over the questions of the split',
  },
];

/**
 * Visual question answering (VQA v2 style): the model's [CLS] head (`logits` [A]) scores every answer
 * of the dataset's answer vocabulary (facet `ANSWER_VOCABULARY`) for the batch's question. Loss: BCE
 * with logits against the soft scores `answerScores` [B, A] (`task.bce`). Metrics: the VQA accuracy of
 * the argmax answer (primary) — the answer's soft score, which is `vqaAccuracy`'s min(n/3, 1) of
 * @kd/metrics when the dataset built the scores from its human answers (scene-vqa: 1 for the true
 * answer, 0 otherwise) — and the mean loss.
 */
@injectable()
export class VqaTask implements Task<VqaHParams> {
  private hp: VqaHParams = vqaHParams.parse({});

  setup(ctx: TaskSetupContext<VqaHParams>): void {
    this.hp = ctx.hparams;
    const answers = facetOf(ctx.data, ANSWER_VOCABULARY);
    if (!answers)
      throw new UserError(
        `task 'vqa': dataset '${ctx.data.name}' has no answer vocabulary (use data.dataset: scene-vqa)`,
      );
    const width = ctx.tap('student', 'logits').shape[0];
    if (width !== answers.length) {
      throw new UserError(
        `task 'vqa': ${ctx.student.name} (${ctx.student.model.arch}) has ${width} logits, the dataset has ${answers.length} answers: give it an answer head (vl-scene: ${ctx.student.role}.options.head: answers)`,
      );
    }
  }

  requiredTaps() {
    return [{ role: 'student' as const, tap: 'logits' }];
  }

  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [{ key: 'answerScores', dtype: 'float32', rank: 1, why: 'soft score of each answer [A]' }];
  }

  requiredFacets(): readonly Facet<unknown>[] {
    return [ANSWER_VOCABULARY];
  }

  metrics(): readonly MetricSpec[] {
    return vqaMetrics;
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    return step.active.has('bce')
      ? { bce: answerBinaryCrossEntropy(step.student['logits']!, step.batch['answerScores']!, this.hp.reduction) }
      : {};
  }

  evaluate(ctx: EvaluationContext): Metrics {
    const { model, split } = ctx;
    if (split.size === 0) return { accuracy: 0, loss: 0 };
    let scoreSum = 0;
    let lossSum = 0;
    for (const idx of sequentialBatches(split.size, ctx.batchSize)) {
      tf.tidy(() => {
        const batch = split.batch(idx);
        const { logits } = model.forward(batch, { training: false, taps: LOGITS });
        const scores = batch['answerScores']!;
        // the soft score of each question's top answer
        const picked = tf.sum(tf.mul(scores, tf.oneHot(tf.argMax(logits!, 1), scores.shape[1]!)), 1);
        scoreSum += tf.sum(picked).dataSync()[0]!;
        lossSum += answerBinaryCrossEntropy(logits!, scores, this.hp.reduction).dataSync()[0]! * idx.length;
      });
    }
    return { accuracy: scoreSum / split.size, loss: lossSum / split.size };
  }
}

const LOGITS = new Set(['logits']);
