import { InterruptedError, createHost } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerFitnet } from '@kd/method-fitnet';
import { register as registerModels } from '@kd/models';
import { register as registerTasks } from '@kd/tasks';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseRunConfig } from '../config/load-config.js';
import { RunFolder } from '../folder/run-folder.js';
import { runExperiment } from '../run.js';

/**
 * Recorded before method stages had settings of their own (kd 2b01bfc): a tiny FitNets run with a
 * two-epoch hint stage, then distillation. Its epoch records, test metrics and the bytes of the
 * hint stage's optimizer state (with its manifest: the same optimizer-group names) and of the final
 * weights. The hint stage's weights file has since grown by the student's BN statistics (saved so that a
 * resume inside the stage is exact; an older file without them still resumes), so it is not compared.
 */
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/fitnet-hint-run.json', import.meta.url), 'utf8')) as {
  epochs: Record<string, unknown>[];
  test: unknown;
  sha256: Record<string, string>;
};

it('a FitNets config that names no stage settings reproduces its earlier run bit for bit (constant lr, hint at weight 1, no evaluation)', async () => {
  const host = createHost([registerModels, registerData, registerFitnet, registerTasks]);
  const dir = mkdtempSync(join(tmpdir(), 'kd-fitnet-reproduce-'));
  const config = parseRunConfig({
    backend: 'cpu',
    seed: 3,
    cacheDir: join(dir, 'cache'),
    data: { options: { trainSize: 96, val: 64, test: 64, augment: true } },
    teacher: { arch: 'resnet8', options: { width: 2 }, train: { epochs: 1, batchSize: 32 } },
    student: { arch: 'cnn', options: { width: 2 } },
    train: { epochs: 2, batchSize: 32, optimizer: { lr: 0.1 }, schedule: { type: 'cosine', warmupEpochs: 1 } },
    methods: [{ id: 'fitnet', hparams: { hintEpochs: 2 }, weights: { hint: 10 } }],
  });
  const summary = await runExperiment(host, config, { runDir: join(dir, 'run') });
  const epochs = new RunFolder(summary.runDir)
    .metrics()
    .filter((r) => r['type'] === 'epoch')
    .map(({ seconds: _s, ...r }) => r);
  expect(epochs).toEqual(fixture.epochs);
  expect(summary.student.test).toEqual(fixture.test);
  const sha = (file: string) =>
    createHash('sha256')
      .update(readFileSync(join(summary.runDir, 'checkpoints', file)))
      .digest('hex');
  for (const [file, hash] of Object.entries(fixture.sha256))
    if (!file.startsWith('fitnet.hint/last/variables')) expect(sha(file), file).toBe(hash);
}, 300_000);

it('a run interrupted inside the hint stage resumes exactly: the BN statistics the stage moved are in its checkpoint', async () => {
  const host = createHost([registerModels, registerData, registerFitnet, registerTasks]);
  const dir = mkdtempSync(join(tmpdir(), 'kd-fitnet-hint-resume-'));
  const config = parseRunConfig({
    backend: 'cpu',
    seed: 4,
    cacheDir: join(dir, 'cache'),
    data: { options: { trainSize: 96, val: 64, test: 64 } },
    teacher: { arch: 'resnet8', options: { width: 2 }, train: { epochs: 1, batchSize: 32 } },
    student: { arch: 'cnn', options: { width: 2 } },
    train: { epochs: 1, batchSize: 32, optimizer: { lr: 0.1 } },
    methods: [{ id: 'fitnet', hparams: { hintEpochs: 2 }, weights: { hint: 10 } }],
  });
  const whole = await runExperiment(host, config, { runDir: join(dir, 'whole') });
  const stop = new AbortController();
  const runDir = join(dir, 'interrupted');
  const events = (e: { type: string; record?: { stage: string; epoch: number } }) => {
    if (e.type === 'epoch' && e.record?.stage === 'fitnet.hint' && e.record.epoch === 1)
      stop.abort(new InterruptedError());
  };
  await expect(runExperiment(host, config, { runDir, events: events as never, signal: stop.signal })).rejects.toThrow(
    InterruptedError,
  );
  const resumed = await runExperiment(host, config, { runDir });
  expect(resumed.student).toEqual(whole.student);
  const weights = (d: string) => readFileSync(join(d, 'checkpoints', 'distill', 'last', 'variables.bin'));
  expect(weights(runDir).equals(weights(whole.runDir))).toBe(true);
  const saved = JSON.parse(
    readFileSync(join(runDir, 'checkpoints', 'fitnet.hint', 'last', 'variables.json'), 'utf8'),
  ) as unknown;
  expect(JSON.stringify(saved)).toContain('running_mean');
}, 300_000);
