/**
 * `train.epochs: 0`: the main stage trains nothing; the student as initialised (student.init) is
 * judged on val and test as a finished run's is, saved, and summarised (best = last, epoch 0).
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, createHost } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerModels } from '@kd/models';
import { register as registerTasks } from '@kd/tasks';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelVariables } from './assemble/saved-model.js';
import { parseRunConfig } from './config/load-config.js';
import { RunConfigSchema } from './config/schema.js';
import { evalRun, runExperiment } from './run.js';

const host = createHost([registerModels, registerData, registerTasks]);
const dir = mkdtempSync(join(tmpdir(), 'kd-epochs-zero-'));
const data = { options: { trainSize: 64, val: 32, test: 32 } };
const model = { arch: 'cnn', options: { width: 2 } };

const config = (student: object, train: object = { epochs: 0, batchSize: 16 }, extra: object = {}) =>
  parseRunConfig({
    backend: 'cpu',
    seed: 3,
    cacheDir: join(dir, 'cache'),
    data,
    student: { ...model, ...student },
    train,
    ...extra,
  });

function values(modelDir: string): Record<string, number[]> {
  const saved = readModelVariables(modelDir);
  const out = Object.fromEntries(Object.entries(saved).map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose(Object.values(saved));
  return out;
}

const records = (runDir: string) =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('train.epochs: 0 evaluates the initialised student', () => {
  const trained = join(dir, 'trained');

  it('judges student.init’s weights as the run that trained them does, trains nothing, saves them unchanged', async () => {
    await runExperiment(host, config({}, { epochs: 1, batchSize: 16 }), { runDir: trained });
    const lines: string[] = [];
    const runDir = join(dir, 'zero');
    const summary = await runExperiment(host, config({ init: { checkpoint: trained } }), {
      runDir,
      log: (l) => lines.push(l),
    });
    expect(summary.completed).toBe(true);
    expect(lines).toContain('train.epochs is 0: the student is evaluated as initialised, not trained');
    expect(lines.some((l) => l.startsWith('warning:'))).toBe(false);
    // the same weights, the same metrics as re-evaluating the trained run
    const again = await evalRun(host, trained);
    expect(summary.student.test.last).toEqual(again.test);
    expect(summary.student.test.best).toEqual(again.test);
    expect(summary.student.val).toEqual({ best: again.val, bestEpoch: 0, last: again.val });
    expect(summary.stages).toEqual([{ name: 'distill', epochs: 0, completed: true }]);
    expect(values(join(runDir, 'student'))).toEqual(values(join(trained, 'student')));
    // no step, no epoch, no checkpoint; the stage starts and ends with 0 epochs
    expect(records(runDir).map((r) => [r['type'], r['stage'], r['epochs']])).toEqual([
      ['stage-start', 'distill', 0],
      ['stage-end', 'distill', 0],
    ]);
    expect(existsSync(join(runDir, 'checkpoints', 'distill'))).toBe(false);
    // finished: running it again returns the stored summary
    const stored = await runExperiment(host, config({ init: { checkpoint: trained } }), { runDir });
    expect(stored).toEqual(summary);
  });

  it('without student.init (a random model) and with every loss term off, it runs and warns', async () => {
    const lines: string[] = [];
    const summary = await runExperiment(host, config({}, { epochs: 0, batchSize: 16 }, { task: { weight: 0 } }), {
      runDir: join(dir, 'random'),
      log: (l) => lines.push(l),
    });
    expect(summary.completed).toBe(true);
    expect(summary.student.test.last['accuracy']).toBeGreaterThanOrEqual(0);
    expect(lines).toContain(
      'warning: train.epochs is 0 and the student has no init: it is evaluated with its random initial weights (give student.init to evaluate saved ones)',
    );
  });

  it('only the main stage may have 0 epochs: a teacher trained first needs at least one; negative epochs are refused', async () => {
    const teacher = { arch: 'cnn', train: { epochs: 0 } };
    const bad = RunConfigSchema.safeParse({ student: model, teacher });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['teacher', 'train', 'epochs']);
    expect(RunConfigSchema.safeParse({ student: model, train: { epochs: -1 } }).success).toBe(false);
    expect(RunConfigSchema.parse({ student: model, train: { epochs: 0 } }).train.epochs).toBe(0);
    expect(RunConfigSchema.parse({ student: model, teacher: { arch: 'cnn' } }).teacher!.train.epochs).toBe(10);
    // task.weight 0 with epochs ≥ 1 is still refused
    const err = await runExperiment(host, config({}, { epochs: 1 }, { task: { weight: 0 } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
  });
});
