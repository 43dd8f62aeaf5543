/**
 * One trainability flag: a model's frozen state. A method stage that names a frozen teacher among what
 * it trains does not train it — neither its weights (no gradient) nor its batch-norm statistics (it
 * runs in inference mode), even though the stage's loss reaches its logits.
 */
import * as tf from '@tensorflow/tfjs';
import {
  createHost,
  injectable,
  mse,
  registerMethod,
  z,
  type DistillationMethod,
  type MethodDescriptor,
  type MethodSetupContext,
  type StageSpec,
  type StepContext,
  type TappedModel,
} from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerModels } from '@kd/models';
import { register as registerTasks } from '@kd/tasks';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from './config/load-config.js';
import { runExperiment } from './run.js';

type Snapshot = Record<string, number[]>;
const seen: { stageStart?: Snapshot; distillStart?: Snapshot; teacherTrainable?: number } = {};

@injectable()
class NamesTheTeacher implements DistillationMethod {
  private teacher?: TappedModel;
  setup(ctx: MethodSetupContext<unknown>): void {
    this.teacher = ctx.teacher!.model;
  }
  requiredTaps = () => [];
  auxModules = () => [];
  losses = () => ({});
  private snapshot(): Snapshot {
    return Object.fromEntries([...this.teacher!.namedVariables()].map(([k, v]) => [k, Array.from(v.dataSync())]));
  }
  stages(): readonly StageSpec[] {
    return [
      {
        name: 'warm',
        description: 'pulls the student towards the teacher, naming both as trained',
        defaultEpochs: 1,
        terms: [{ name: 'pull', defaultWeight: 1, description: 'mse of the logits (the teacher not detached)' }],
        trainable: ['teacher', 'student'],
        taps: [
          { role: 'teacher', tap: 'logits' },
          { role: 'student', tap: 'logits' },
        ],
        losses: (step: StepContext) => {
          seen.stageStart ??= this.snapshot();
          seen.teacherTrainable = this.teacher!.trainableVariables().length;
          return { pull: mse(step.student['logits']!, step.teacher!['logits']!) as tf.Scalar };
        },
      },
    ];
  }
  onEpochStart(epoch: number): void {
    if (epoch === 1) seen.distillStart = this.snapshot();
  }
}

const descriptor: MethodDescriptor = {
  id: 'names-teacher',
  title: 'test only',
  description: 'a method stage that names the frozen teacher',
  paper: { title: '-', authors: '-', venue: '-', year: 2000 },
  hparams: z.object({}),
  terms: [],
  impl: NamesTheTeacher,
};

describe('a frozen model named in a method stage', () => {
  it('gets no update of its weights or of its BN running statistics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-frozen-stage-'));
    const host = createHost([registerModels, registerData, registerTasks, (c) => registerMethod(c, descriptor)]);
    const model = { arch: 'cnn', options: { width: 2 } };
    const config = parseRunConfig({
      backend: 'cpu',
      cacheDir: join(dir, 'cache'),
      data: { options: { trainSize: 64, val: 32, test: 32 } },
      teacher: { ...model, train: { epochs: 1, batchSize: 32 } },
      student: model,
      train: { epochs: 1, batchSize: 32 },
      methods: [{ id: 'names-teacher' }],
    });
    const lines: string[] = [];
    const summary = await runExperiment(host, config, { runDir: join(dir, 'run'), log: (l) => lines.push(l) });
    expect(summary.stages.map((s) => s.name)).toEqual(['names-teacher.warm', 'distill']);
    // the user is told that naming a frozen model in a stage trains nothing of it
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^warning: methods\[0\]\.stages\.warm: stage 'warm' of method 'names-teacher' names 'teacher', which is frozen/,
      ),
    );
    expect(seen.teacherTrainable).toBe(0);
    expect(Object.keys(seen.stageStart!).filter((k) => k.includes('running_'))).not.toHaveLength(0);
    expect(seen.distillStart).toEqual(seen.stageStart);
  });
});
