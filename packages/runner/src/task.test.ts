import * as tf from '@tensorflow/tfjs';
import {
  TappedModel,
  createHost,
  crossEntropy,
  injectable,
  registerArchitecture,
  registerTask,
  sequentialBatches,
  z,
  type Batch,
  type EvaluationContext,
  type ForwardOptions,
  type ModelArchitecture,
  type ModelTaskLoss,
  type Metrics,
  type MetricSpec,
  type StepContext,
  type Task,
  type TaskDescriptor,
} from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerKd } from '@kd/method-kd';
import { cnn, register as registerModels } from '@kd/models';
import { register as registerTasks } from '@kd/tasks';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from './config/load-config.js';
import { RunFolder } from './folder/run-folder.js';
import { runExperiment } from './run.js';
import { buildRun, disposeRun } from './assemble/build-run.js';
import { aggregateCell } from './sweep/aggregate.js';
import { markdownTable } from './sweep/report.js';

const dir = mkdtempSync(join(tmpdir(), 'kd-task-'));

/**
 * A task from outside kd's packages: the student's logits are scored by their mean margin (a score,
 * lower is better here) and by accuracy; its loss is a squared error to one-hot labels. Registering it
 * is all it takes: no file of core, trainer, runner or the CLI names it.
 */
const MARGIN: MetricSpec = {
  name: 'margin',
  unit: 'score',
  higherIsBetter: false,
  description: 'mean (max other logit − true logit)',
};
const HIT: MetricSpec = { name: 'hit', unit: 'fraction', higherIsBetter: true, description: 'top-1 accuracy' };

@injectable()
class MarginTask implements Task<Record<string, never>> {
  setup(): void {}
  requiredTaps() {
    return [{ role: 'student' as const, tap: 'logits' }];
  }
  metrics() {
    return [MARGIN, HIT];
  }
  losses(step: StepContext): Record<string, tf.Scalar> {
    if (!step.active.has('sq')) return {};
    const logits = step.student['logits']!;
    const target = tf.oneHot(tf.cast(step.batch['y']!, 'int32'), logits.shape[1]!);
    return { sq: tf.mean(tf.square(tf.sub(tf.softmax(logits), target))) as tf.Scalar };
  }
  evaluate(ctx: EvaluationContext): Metrics {
    let margin = 0;
    let hits = 0;
    for (const idx of sequentialBatches(ctx.split.size, ctx.batchSize)) {
      tf.tidy(() => {
        const { logits } = ctx.model.forward(ctx.split.batch(idx), { training: false, taps: new Set(['logits']) });
        const rows = logits!.arraySync() as number[][];
        rows.forEach((row, i) => {
          const label = ctx.split.labels![idx[i]!]!;
          const other = Math.max(...row.filter((_, k) => k !== label));
          margin += other - row[label]!;
          hits += row[label]! > other ? 1 : 0;
        });
      });
    }
    return { margin: margin / ctx.split.size, hit: hits / ctx.split.size };
  }
}

const marginDescriptor: TaskDescriptor = {
  id: 'margin-test',
  title: 'margin (test only)',
  description: 'a task registered by a test',
  hparams: z.object({}),
  terms: [{ name: 'sq', defaultWeight: 1, description: 'squared error of the softmax to one-hot' }],
  metrics: [MARGIN, HIT],
  primary: 'margin',
  impl: MarginTask,
};

/** A cnn that brings its own loss for classification's `ce` term: 42 + 0·CE, so its log shows whose loss ran. */
class OwnLossCnn extends TappedModel {
  readonly arch = 'own-loss-test';
  readonly inner: TappedModel;
  constructor(inner: TappedModel) {
    super();
    this.inner = this.addChild('inner', inner);
  }
  tapSpecs() {
    return this.inner.tapSpecs();
  }
  forward(batch: Batch, options: ForwardOptions) {
    return this.inner.forward(batch, options);
  }
  override ownTaskLoss(task: string): ModelTaskLoss | undefined {
    if (task !== 'classification') return undefined;
    return {
      losses: (step): Record<string, tf.Scalar> =>
        step.active.has('ce')
          ? { ce: tf.add(tf.mul(crossEntropy(step.student['logits']!, step.batch['y']!), 0), 42) as tf.Scalar }
          : {},
    };
  }
}
const ownLossArch: ModelArchitecture = {
  id: 'own-loss-test',
  description: 'test only',
  build: (input) => new OwnLossCnn(cnn.build(input)),
};

const host = createHost([
  registerModels,
  registerData,
  registerKd,
  registerTasks,
  (c) => registerTask(c, marginDescriptor),
  (c) => registerArchitecture(c, ownLossArch),
]);
const tiny = {
  backend: 'cpu',
  cacheDir: join(dir, 'cache'),
  student: { arch: 'cnn', options: { width: 2 } },
  train: { epochs: 2, batchSize: 32 },
};

describe('tasks in runs', () => {
  it('a task registered from outside kd trains the student (its terms), judges it (its metrics and units) and picks the best epoch by its primary metric', async () => {
    const config = parseRunConfig({
      ...tiny,
      data: { options: { trainSize: 128, val: 64, test: 64 } },
      task: { id: 'margin-test' },
    });
    const summary = await runExperiment(host, config, { runDir: join(dir, 'margin') });
    expect(summary.task).toEqual({ id: 'margin-test', primary: 'margin', metrics: [MARGIN, HIT] });
    expect(summary.weights).toEqual({ 'task.sq': 1 });
    expect(Object.keys(summary.student.test.last).sort()).toEqual(['hit', 'margin']);
    const epochs = new RunFolder(summary.runDir)
      .metrics()
      .filter((r) => r['type'] === 'epoch' && r['stage'] === 'distill') as {
      train: Record<string, number>;
      val: Record<string, number>;
    }[];
    expect(Object.keys(epochs[0]!.train)).toContain('task.sq');
    // the best epoch is the one with the smallest val margin (lower is better)
    const margins = epochs.map((e) => e.val['margin']!);
    expect(summary.student.val.bestEpoch).toBe(margins.indexOf(Math.min(...margins)) + 1);
    const table = markdownTable([aggregateCell('margin', [summary])]);
    expect(table).toContain('student test margin (last)'); // a score: no %
    expect(table).toContain('student test hit % (last)');
  });

  it('scenes propose multi-label classification: BCE on multi-hot labels, mAP and CP…OF1 in the summary', async () => {
    const config = parseRunConfig({
      ...tiny,
      data: {
        dataset: 'scenes',
        options: { size: 32, minItemSize: 10, maxItemSize: 16, train: 96, val: 32, test: 32, proposals: 'none' },
      },
    });
    const summary = await runExperiment(host, config, { runDir: join(dir, 'scenes') });
    expect(summary.task.id).toBe('multi-label');
    expect(summary.task.primary).toBe('mAP');
    expect(Object.keys(summary.weights)).toEqual(['task.bce']);
    for (const m of ['mAP', 'CP', 'CR', 'CF1', 'OP', 'OR', 'OF1', 'loss'])
      expect(Number.isFinite(summary.student.test.last[m])).toBe(true);
    expect(summary.student.test.last['mAP']).toBeGreaterThan(0);
  });

  it("an architecture may supply its own loss for the task's terms (WSDDN's BCE on probabilities); task weights still apply", async () => {
    const config = parseRunConfig({
      ...tiny,
      train: { epochs: 1, batchSize: 32 },
      student: { arch: 'own-loss-test', options: { width: 2 } },
      data: { options: { trainSize: 64, val: 32, test: 32 } },
      task: { weights: { ce: 0.5 } },
    });
    const summary = await runExperiment(host, config, { runDir: join(dir, 'own-loss') });
    const epoch = new RunFolder(summary.runDir)
      .metrics()
      .find((r) => r['type'] === 'epoch' && r['stage'] === 'distill') as { train: Record<string, number> };
    expect(epoch.train['task.ce']).toBeCloseTo(42, 4);
    expect(epoch.train['loss']).toBeCloseTo(21, 4);
  });

  it('terms a model cannot have are off (a detector without an RPN: the RPN terms); weighting them is a config error', async () => {
    const data = {
      dataset: 'scenes',
      options: { size: 32, minItemSize: 10, maxItemSize: 16, train: 8, val: 4, test: 4 },
    };
    const detector = { arch: 'region-detector', options: { width: 2 } };
    const bad = parseRunConfig({
      ...tiny,
      data,
      student: detector,
      task: { id: 'detection', weights: { rpn_box: 1 } },
    });
    await expect(runExperiment(host, bad, { runDir: join(dir, 'rpn-bad') })).rejects.toThrow(
      /^config field 'task\.weights\.rpn_box': model 'region-detector' has no RPN/,
    );
    const run = await buildRun(host, parseRunConfig({ ...tiny, data, student: detector, task: { id: 'detection' } }));
    expect(run.weights.filter((w) => w.method === 'task').map((w) => `${w.term}=${w.weight}`)).toEqual([
      'cls=1',
      'box=1',
      'rpn_objectness=0',
      'rpn_box=0',
    ]);
    disposeRun(run);
  });

  it('task.id names a task the dataset does not propose; an unknown one is a config error naming the field', async () => {
    const config = parseRunConfig({
      ...tiny,
      data: { options: { trainSize: 64, val: 32, test: 32 } },
      task: { id: 'nope' },
    });
    await expect(runExperiment(host, config, { runDir: join(dir, 'nope') })).rejects.toThrow(
      /config field 'task\.id': unknown task 'nope' \(installed: captioning, classification, detection, margin-test, multi-label, relationships, triple-verification, vqa\)/,
    );
    const bad = parseRunConfig({
      ...tiny,
      data: { options: { trainSize: 64, val: 32, test: 32 } },
      task: { weights: { bce: 1 } },
    });
    await expect(runExperiment(host, bad, { runDir: join(dir, 'bad') })).rejects.toThrow(
      /config field 'task\.weights': unknown term 'bce' of task 'classification' \(terms: ce\)/,
    );
  });
});
