import * as tf from '@tensorflow/tfjs';
import {
  TEXT_WORDS,
  UserError,
  facetOf,
  injectable,
  sequentialBatches,
  z,
  type BatchKeyRequest,
  type DataInfo,
  type EvaluationContext,
  type Facet,
  type Metrics,
  type MetricSpec,
  type StepContext,
  type TappedModel,
  type Task,
  type TaskSetupContext,
  type TermSpec,
} from '@kd/core';
import { ciderD, corpusBleu } from '@kd/metrics';
import { captionWords, greedyCaptions } from './greedy-captions.js';
import { nextTokenCrossEntropy } from './next-token-loss.js';

export const captioningHParams = z.object({}).strict();
export type CaptioningHParams = z.output<typeof captioningHParams>;

export const captioningTerms: readonly TermSpec[] = [
  {
    name: 'ce',
    defaultWeight: 1,
    description:
      'next-token cross-entropy under causal text attention: mlmLogits at position i against token i+1, padding ignored, mean over the real target tokens',
  },
];

export const captioningMetrics: readonly MetricSpec[] = [
  {
    name: 'CIDEr-D',
    unit: 'score',
    higherIsBetter: true,
    description:
      'CIDEr-D (×10 scale as pycocoevalcap) of the greedy captions against the reference captions, document frequencies from the split',
  },
  {
    name: 'BLEU-4',
    unit: 'fraction',
    higherIsBetter: true,
    description: 'corpus BLEU-4 of the greedy captions against the reference captions',
  },
  {
    name: 'loss',
    unit: 'score',
    higherIsBetter: false,
    description: 'next-token cross-entropy per real target token over the split (teacher forcing)',
  },
];

/** A model's text attention as its config declares it (`vl-scene`, `vl-transformer`: options.textAttention); undefined when it declares none. */
export function textAttentionOf(model: TappedModel): unknown {
  return (model as { readonly config?: { readonly textAttention?: unknown } }).config?.textAttention;
}

/**
 * Image captioning with a causal text decoder (DistillVLM's captioning fine-tune, Oscar/VinVL style):
 * the model reads the image regions and the caption's tokens with causal text attention, and its
 * `mlmLogits` at position i predict token i + 1. Loss: next-token cross-entropy over the real tokens
 * (`task.ce`). Evaluation: greedy decoding from [CLS] (one forward per generated token, the batch at
 * once) up to [SEP] or the text length, ids decoded to words with the `TEXT_WORDS` facet, scored
 * against the split's captions (read back from the batch's `tokens`) by CIDEr-D (primary, a score) and
 * BLEU-4 (a fraction), plus the teacher-forced loss.
 */
@injectable()
export class CaptioningTask implements Task<CaptioningHParams> {
  setup(ctx: TaskSetupContext<CaptioningHParams>): void {
    if (!facetOf(ctx.data, TEXT_WORDS))
      throw new UserError(
        `task 'captioning': dataset '${ctx.data.name}' has no text vocabulary (use data.dataset: scene-captions)`,
      );
    ctx.tap('student', 'mlmLogits');
    const attention = textAttentionOf(ctx.student.model);
    if (attention !== 'causal') {
      throw new UserError(
        `task 'captioning': ${ctx.student.name} (${ctx.student.model.arch}) must decode left to right: set ${ctx.student.role}.options.textAttention: causal (it has ${attention === undefined ? 'no textAttention option' : `'${String(attention)}'`})`,
      );
    }
  }

  requiredTaps() {
    return [{ role: 'student' as const, tap: 'mlmLogits' }];
  }

  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [
      { key: 'tokens', dtype: 'int32', rank: 1, why: 'caption token ids: the targets and the reference captions' },
      { key: 'tokenMask', dtype: 'float32', rank: 1, why: 'which caption tokens are real' },
    ];
  }

  requiredFacets(): readonly Facet<unknown>[] {
    return [TEXT_WORDS];
  }

  metrics(): readonly MetricSpec[] {
    return captioningMetrics;
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    if (!step.active.has('ce')) return {};
    return { ce: nextTokenCrossEntropy(step.student['mlmLogits']!, step.batch['tokens']!, step.batch['tokenMask']!) };
  }

  evaluate(ctx: EvaluationContext): Metrics {
    const { model, split } = ctx;
    if (split.size === 0) return { 'CIDEr-D': 0, 'BLEU-4': 0, loss: 0 };
    const text = textWords(ctx.data);
    const candidates: string[][] = [];
    const references: string[][][] = [];
    let lossSum = 0;
    let targets = 0;
    for (const idx of sequentialBatches(split.size, ctx.batchSize)) {
      tf.tidy(() => {
        const batch = split.batch(idx);
        const tokens = batch['tokens']!;
        const [b, t] = tokens.shape as [number, number];
        const { mlmLogits } = model.forward(batch, { training: false, taps: MLM });
        const count = tf.sum(tf.slice(batch['tokenMask']!, [0, 1], [b, t - 1])).dataSync()[0]!;
        lossSum += nextTokenCrossEntropy(mlmLogits!, tokens, batch['tokenMask']!).dataSync()[0]! * count;
        targets += count;
        const truth = tokens.dataSync();
        const generated = greedyCaptions(model, batch, text);
        for (let i = 0; i < b; i++) {
          references.push([captionWords(truth.subarray(i * t, (i + 1) * t), text.words, text)]);
          candidates.push(captionWords(generated.subarray(i * t, (i + 1) * t), text.words, text));
        }
      });
    }
    return {
      'CIDEr-D': ciderD(candidates, references).score,
      'BLEU-4': corpusBleu(candidates, references).bleu,
      loss: targets > 0 ? lossSum / targets : 0,
    };
  }
}

function textWords(data: DataInfo) {
  const text = facetOf(data, TEXT_WORDS);
  if (!text) throw new Error(`captioning task: dataset '${data.name}' has no facet '${TEXT_WORDS.id}'`);
  return text;
}

const MLM = new Set(['mlmLogits']);
