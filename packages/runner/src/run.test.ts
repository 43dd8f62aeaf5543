import { createHost } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerFitnet } from '@kd/method-fitnet';
import { register as registerKd } from '@kd/method-kd';
import { register as registerModels } from '@kd/models';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from './config/load-config.js';
import { runExperiment } from './run.js';
import { readModelCard } from './build/saved-model.js';

const host = createHost([registerModels, registerData, registerKd, registerFitnet]);
const dir = mkdtempSync(join(tmpdir(), 'kd-run-'));
const base = {
  backend: 'cpu',
  cacheDir: join(dir, 'cache'),
  data: { options: { trainSize: 64, val: 100, test: 100 } },
  teacher: { arch: 'resnet8', options: { width: 2 }, train: { epochs: 1, batchSize: 32 } },
  student: { arch: 'cnn', options: { width: 2 } },
  train: { epochs: 1, batchSize: 32 },
};

describe('a tiny end-to-end run per method', () => {
  const cases: [string, object[], string[]][] = [
    ['kd', [{ id: 'kd' }], ['distill']],
    ['fitnet (with its hint stage)', [{ id: 'fitnet', hparams: { hintEpochs: 1 } }], ['fitnet.hint', 'distill']],
    ['kd + fitnet mixed', [{ id: 'kd' }, { id: 'fitnet', hparams: { hintEpochs: 1 } }], ['fitnet.hint', 'distill']],
  ];
  it.each(cases)('%s', async (name, methods, stages) => {
    const runDir = join(dir, name.replace(/\W+/g, '-'));
    const summary = await runExperiment(host, parseRunConfig({ ...base, methods }), { runDir });
    expect(summary.completed).toBe(true);
    expect(summary.stages.map((s) => s.name)).toEqual(stages);
    expect(Number.isFinite(summary.student.test.last)).toBe(true);
    const epochs = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.type === 'epoch' && r.stage === 'distill');
    const logged = Object.keys(epochs[0].train);
    for (const m of methods as { id: string }[]) expect(logged.some((k) => k.startsWith(`${m.id}.`)), m.id).toBe(true);
    expect(logged).toContain('task.ce');
    expect(existsSync(join(runDir, 'student', 'model.json'))).toBe(true);
  });

  it('a later run loads the cached teacher with the accuracy stored when it was trained', async () => {
    const cacheDir = join(dir, 'cache-reuse');
    const config = parseRunConfig({ ...base, cacheDir, methods: [{ id: 'kd' }] });
    const first = await runExperiment(host, config, { runDir: join(dir, 'reuse-1') });
    const second = await runExperiment(host, config, { runDir: join(dir, 'reuse-2') });
    expect(first.teachers[0]!.source).toBe('trained');
    expect(second.teachers[0]!.source).toBe('cache');
    expect(second.teachers[0]!.test).toBe(first.teachers[0]!.test);
    const card = readModelCard(second.teachers[0]!.path);
    expect(card.metrics?.['test']).toBe(first.teachers[0]!.test);
  });
});

