/**
 * A tiny FFSD run end to end through the runner (MNIST, 64 training samples, 1 epoch, wasm backend):
 * the common students, fusion head and SD modules train in the distill stage with their own
 * optimizer groups, every term is logged, and summary.json reports the extra accuracies.
 */
import { createHost } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerModels } from '@kd/models';
import { parseRunConfig, runExperiment } from '@kd/runner';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ffsdTerms } from './hparams.js';
import { register } from './index.js';
import { register as registerTasks } from '@kd/tasks';

const host = createHost([registerModels, registerData, register, registerTasks]);
const dir = mkdtempSync(join(tmpdir(), 'kd-ffsd-'));

describe('ffsd end to end (tiny run)', () => {
  it('trains leader, common students, fusion and SD modules and reports their accuracies', async () => {
    const runDir = join(dir, 'run');
    const config = parseRunConfig({
      backend: 'wasm',
      cacheDir: join(dir, 'cache'),
      data: { options: { trainSize: 64, val: 50, test: 50 } },
      student: { arch: 'cnn', options: { width: 2 } },
      train: {
        epochs: 1,
        schedule: { type: 'cosine' },
        batchSize: 32,
        groups: {
          fusion: {
            optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-5 },
            schedule: { type: 'cosine' },
          },
          sd: { optimizer: { type: 'adam', lr: 1e-3, weightDecay: 1e-4 }, schedule: { type: 'cosine' } },
        },
      },
      methods: [{ id: 'ffsd', hparams: { warmupEpochs: 0.5, warmupGranularity: 'step' }, weights: { leader_dml: 0 } }],
    });
    const summary = await runExperiment(host, config, { runDir });
    expect(summary.completed).toBe(true);
    expect(Object.keys(summary.reported ?? {})).toEqual([
      'ffsd.peer1',
      'ffsd.peer2',
      'ffsd.peers_mean',
      'ffsd.fusion',
      'ffsd.ensemble',
      'ffsd.oracle',
    ]);
    for (const v of Object.values(summary.reported!)) expect(v).toBeGreaterThanOrEqual(0);
    const written = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(written.reported).toEqual(summary.reported);
    const epoch = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((r) => r.type === 'epoch' && r.stage === 'distill');
    const logged = Object.keys(epoch.train);
    for (const t of ffsdTerms.filter((t) => t.name !== 'leader_dml'))
      expect(logged, t.name).toContain(`ffsd.${t.name}`);
    expect(logged).toContain('task.ce');
  });
});
