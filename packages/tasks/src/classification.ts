import * as tf from '@tensorflow/tfjs';
import {
  crossEntropy,
  injectable,
  sequentialBatches,
  z,
  type DataInfo,
  type BatchKeyRequest,
  type EvaluationContext,
  type Metrics,
  type MetricSpec,
  type StepContext,
  type Task,
  type TaskSetupContext,
  type TermSpec,
} from '@kd/core';
import { groupAccuracy, top1Accuracy } from '@kd/metrics';

export const classificationHParams = z.object({}).strict();
export type ClassificationHParams = z.output<typeof classificationHParams>;

export const classificationTerms: readonly TermSpec[] = [
  {
    name: 'ce',
    defaultWeight: 1,
    description:
      'softmax cross-entropy of the logits against the class label y (torch F.cross_entropy, mean over the batch)',
  },
];

export const classificationMetrics: readonly MetricSpec[] = [
  { name: 'accuracy', unit: 'fraction', higherIsBetter: true, description: 'top-1 accuracy' },
  { name: 'loss', unit: 'score', higherIsBetter: false, description: 'mean softmax cross-entropy over the split' },
];

/** The metric name of a class group's accuracy (e.g. `accuracy.few` of a long-tailed set). */
export const groupMetric = (group: string) => `accuracy.${group.toLowerCase()}`;

/**
 * Single-label classification: the student's logits against one class per sample. Loss: softmax
 * cross-entropy (`task.ce`). Metrics: top-1 accuracy (primary), mean cross-entropy, and the accuracy
 * of each class group (Many / Medium / Few) when the data declares groups. Labels come from the
 * split (`DataSplit.labels`); data without one class per sample (multi-hot `y`) is refused at build time.
 */
@injectable()
export class ClassificationTask implements Task<ClassificationHParams> {
  private data?: DataInfo;

  setup(ctx: TaskSetupContext<ClassificationHParams>): void {
    this.data = ctx.data;
  }

  requiredTaps() {
    return [{ role: 'student' as const, tap: 'logits' }];
  }

  requiredBatchKeys(): readonly BatchKeyRequest[] {
    return [{ key: 'y', dtype: 'int32', shape: [], why: 'one class per sample' }];
  }

  metrics(): readonly MetricSpec[] {
    const groups = this.data?.classGroups?.names ?? [];
    return [
      ...classificationMetrics,
      ...groups.map((g) => ({
        name: groupMetric(g),
        unit: 'fraction' as const,
        higherIsBetter: true,
        description: `top-1 accuracy on the classes of group '${g}'`,
      })),
    ];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    return step.active.has('ce') ? { ce: crossEntropy(step.student['logits']!, step.batch['y']!) } : {};
  }

  evaluate(ctx: EvaluationContext): Metrics {
    const { model, split } = ctx;
    if (split.size === 0) return { accuracy: 0, loss: 0 };
    const labels = split.labels;
    if (!labels) throw new Error(`classification task: dataset '${ctx.data.name}' gives no single label per sample`);
    const predictions = new Int32Array(split.size);
    let lossSum = 0;
    for (const idx of sequentialBatches(split.size, ctx.batchSize)) {
      const start = idx[0]!;
      lossSum += tf.tidy(() => {
        const { logits } = model.forward(split.batch(idx), { training: false, taps: LOGITS });
        predictions.set(tf.argMax(logits!, 1).dataSync() as Int32Array, start);
        const y = tf.tensor1d(labels.subarray(start, start + idx.length), 'int32');
        return crossEntropy(logits!, y).dataSync()[0]! * idx.length;
      });
    }
    const out: Record<string, number> = { accuracy: top1Accuracy(predictions, labels), loss: lossSum / split.size };
    const groups = ctx.data.classGroups;
    if (groups)
      for (const g of groupAccuracy(predictions, labels, groups.ofClass, groups.names))
        out[groupMetric(g.name)] = g.accuracy;
    return out;
  }
}

const LOGITS = new Set(['logits']);
