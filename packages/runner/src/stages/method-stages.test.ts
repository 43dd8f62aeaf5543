import * as tf from '@tensorflow/tfjs';
import {
  createHost,
  injectable,
  Linear,
  registerMethod,
  Rng,
  z,
  type AuxModule,
  type DistillationMethod,
  type MethodDescriptor,
  type MethodSetupContext,
  type StageSpec,
  type StepContext,
  type TapRequest,
} from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerModels } from '@kd/models';
import { register as registerTasks } from '@kd/tasks';
import { loadCheckpoint, disposeCheckpoint } from '@kd/trainer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/load-config.js';
import { RunFolder } from '../folder/run-folder.js';
import { runExperiment } from '../run.js';

const dir = mkdtempSync(join(tmpdir(), 'kd-method-stages-'));

/** What the test method saw: the `active` sets handed to it, and how often each stage term was computed. */
const seen = { stageActive: new Set<string>(), distillActive: new Set<string>(), computed: { fit: 0, spare: 0 } };

/**
 * A method registered by this test only. Its stage `warm` trains the student and an `adapter` (its own
 * optimizer group) on two terms: `fit` = mean(adapter(logits)²) and `spare` = mean(logits), which
 * counts its computations. In the distillation stage the method adds `fit` alone.
 */
@injectable()
class StagedMethod implements DistillationMethod<Record<string, never>> {
  private adapter?: Linear;

  setup(ctx: MethodSetupContext<Record<string, never>>): void {
    this.adapter = new Linear(ctx.data.numClasses, ctx.data.numClasses, new Rng(ctx.seed));
  }
  requiredTaps(): readonly TapRequest[] {
    return [{ role: 'student', tap: 'logits' }];
  }
  auxModules(): readonly AuxModule[] {
    return [{ name: 'adapter', module: this.adapter!, group: 'adapter' }];
  }
  stages(): readonly StageSpec[] {
    return [
      {
        name: 'warm',
        description: 'student and adapter on fit (+ spare)',
        defaultEpochs: 1,
        terms: [
          { name: 'fit', defaultWeight: 1, description: 'mean(adapter(logits)²)' },
          { name: 'spare', defaultWeight: 1, description: 'mean(logits)' },
        ],
        trainable: ['student', 'adapter'],
        taps: this.requiredTaps(),
        losses: (step) => {
          for (const t of step.active) seen.stageActive.add(t);
          const out: Record<string, tf.Scalar> = {};
          if (step.active.has('fit')) out['fit'] = this.fit(step);
          if (step.active.has('spare')) {
            seen.computed.spare += 1;
            out['spare'] = tf.mean(step.student['logits']!) as tf.Scalar;
          }
          return out;
        },
      },
    ];
  }
  losses(step: StepContext): Record<string, tf.Scalar> {
    for (const t of step.active) seen.distillActive.add(t);
    return step.active.has('fit') ? { fit: this.fit(step) } : {};
  }
  private fit(step: StepContext): tf.Scalar {
    seen.computed.fit += 1;
    return tf.tidy(() => tf.mean(tf.square(this.adapter!.apply(step.student['logits']!))) as tf.Scalar);
  }
  dispose(): void {
    this.adapter?.dispose();
  }
}

const stagedDescriptor: MethodDescriptor = {
  id: 'staged',
  title: 'staged (test only)',
  description: 'a method with a stage of its own, registered by a test',
  paper: { title: '-', authors: '-', venue: '-', year: 2026 },
  hparams: z.object({}),
  terms: [{ name: 'fit', defaultWeight: 1, description: 'mean(adapter(logits)²)' }],
  impl: StagedMethod,
};

const host = createHost([registerModels, registerData, registerTasks, (c) => registerMethod(c, stagedDescriptor)]);
const base = {
  backend: 'cpu',
  cacheDir: join(dir, 'cache'),
  data: { options: { trainSize: 64, val: 100, test: 100 } },
  student: { arch: 'cnn', options: { width: 2 } },
  train: { epochs: 1, batchSize: 32, optimizer: { lr: 0.05 }, schedule: { type: 'cosine' } },
};

describe('a method stage with its own settings', () => {
  it('follows its own schedule, trains its aux module with the group’s optimizer, computes only weighted terms and is evaluated each epoch', async () => {
    const config = parseRunConfig({
      ...base,
      methods: [
        {
          id: 'staged',
          stages: {
            warm: {
              epochs: 3,
              optimizer: { lr: 0.2 },
              schedule: { type: 'multistep', milestones: [1, 2], gamma: 0.5 },
              groups: { adapter: { optimizer: { type: 'adam', lr: 0.01, weightDecay: 0 } } },
              weights: { fit: 2, spare: 0 },
              evaluate: true,
            },
          },
        },
      ],
    });
    const summary = await runExperiment(host, config, { runDir: join(dir, 'staged') });
    expect(summary.stages.map((s) => [s.name, s.epochs])).toEqual([
      ['staged.warm', 3],
      ['distill', 1],
    ]);

    const records = new RunFolder(summary.runDir).metrics();
    const epochs = records.filter((r) => r['type'] === 'epoch' && r['stage'] === 'staged.warm') as {
      epoch: number;
      lr: number;
      train: Record<string, number>;
      val?: Record<string, number>;
    }[];
    // the stage's own lr (0.2, not train's 0.05) on its own schedule (multistep, not train's cosine)
    expect(epochs.map((e) => e.lr)).toEqual([0.2, 0.1, 0.05]);
    // an evaluation by the run's task after every stage epoch, announced like the distillation stage's
    for (const e of epochs) expect(Object.keys(e.val ?? {}).sort()).toEqual(['accuracy', 'loss']);
    expect(records.find((r) => r['type'] === 'stage-start' && r['stage'] === 'staged.warm')).toMatchObject({
      select: { metric: 'accuracy', unit: 'fraction' },
    });
    // the weights: total = 2·fit; the 0-weight term was never computed nor logged
    for (const e of epochs) {
      expect(Object.keys(e.train).sort()).toEqual(['loss', 'staged.fit']);
      expect(e.train['loss']).toBeCloseTo(2 * e.train['staged.fit']!, 6);
    }
    expect(seen.computed.spare).toBe(0);
    expect(seen.computed.fit).toBeGreaterThan(0);
    // `active` means the same in both stages: the receiver's own terms with a non-zero weight
    expect([...seen.stageActive]).toEqual(['fit']);
    expect([...seen.distillActive]).toEqual(['fit']);

    // the adapter trained in its own group with its own optimizer (Adam), the student in main (SGD)
    const ck = loadCheckpoint<{ adamSteps: Record<string, number> }>(
      join(summary.runDir, 'checkpoints', 'staged.warm', 'last'),
    );
    try {
      const keys = Object.keys(ck.optimizer);
      expect(ck.state.adamSteps).toEqual({ adapter: 3 * 2 }); // 3 epochs of 2 steps
      expect(keys.filter((k) => k.startsWith('adapter::')).sort()).toEqual([
        'adapter::m/staged.adapter/bias',
        'adapter::m/staged.adapter/weight',
        'adapter::v/staged.adapter/bias',
        'adapter::v/staged.adapter/weight',
      ]);
      expect(keys.filter((k) => k.startsWith('main::')).every((k) => k.startsWith('main::momentum/student/'))).toBe(
        true,
      );
      expect(keys.some((k) => k.startsWith('main::'))).toBe(true);
    } finally {
      disposeCheckpoint(ck);
    }
  });

  it('without settings runs as always: the method’s epochs, train’s lr held constant, default weights, no evaluation', async () => {
    const config = parseRunConfig({ ...base, methods: [{ id: 'staged' }] });
    const summary = await runExperiment(host, config, { runDir: join(dir, 'defaults') });
    const epochs = new RunFolder(summary.runDir)
      .metrics()
      .filter((r) => r['type'] === 'epoch' && r['stage'] === 'staged.warm') as {
      lr: number;
      train: Record<string, number>;
      val?: unknown;
    }[];
    expect(epochs).toHaveLength(1);
    expect(epochs[0]!.lr).toBe(0.05);
    expect(epochs[0]!.val).toBeUndefined();
    expect(Object.keys(epochs[0]!.train).sort()).toEqual(['loss', 'staged.fit', 'staged.spare']);
  });

  it('refuses, before anything is written, weights of unknown terms, a stage with every term off and groups the stage does not train', async () => {
    const bad = async (warm: object) => {
      const runDir = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
      const error = await runExperiment(
        host,
        parseRunConfig({ ...base, methods: [{ id: 'staged', stages: { warm } }] }),
        { runDir },
      ).catch((e: Error) => e);
      expect(new RunFolder(runDir).exists()).toBe(false);
      return error;
    };
    expect(await bad({ weights: { fitt: 1 } })).toMatchObject({
      path: 'methods[0].stages.warm.weights',
      message: expect.stringMatching(/unknown term 'fitt' of stage 'warm'.*fit, spare/),
    });
    expect(await bad({ weights: { fit: 0, spare: 0 } })).toMatchObject({
      path: 'methods[0].stages.warm.weights',
      message: expect.stringMatching(/epochs: 0 to skip/),
    });
    expect(await bad({ groups: { peers: { optimizer: { lr: 1 } } } })).toMatchObject({
      path: 'methods[0].stages.warm.groups.peers',
      message: expect.stringMatching(/groups: main, adapter/),
    });
  });
});
