import { createHost } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerFitnet } from '@kd/method-fitnet';
import { register as registerKd } from '@kd/method-kd';
import { readModelCard, register as registerModels } from '@kd/models';
import { setReplaceFaultHook } from '@kd/trainer';
import { existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from './config/load-config.js';
import { RunFolder } from './folder/run-folder.js';
import { runExperiment } from './run.js';
import { teacherCacheKey } from './stages/teacher-stage.js';
import { register as registerTasks } from '@kd/tasks';

const host = createHost([registerModels, registerData, registerKd, registerFitnet, registerTasks]);
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
    expect(Number.isFinite(summary.student.test.last['accuracy'])).toBe(true);
    expect(summary.task).toMatchObject({ id: 'classification', primary: 'accuracy' });
    const epochs = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.type === 'epoch' && r.stage === 'distill');
    const logged = Object.keys(epochs[0].train);
    for (const m of methods as { id: string }[])
      expect(
        logged.some((k) => k.startsWith(`${m.id}.`)),
        m.id,
      ).toBe(true);
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
    expect(second.teachers[0]!.metrics).toEqual(first.teachers[0]!.metrics);
    const card = readModelCard(second.teachers[0]!.path);
    expect(card.metrics?.['test']).toEqual(first.teachers[0]!.metrics);
  });
});

describe('threads: for the native kernels', () => {
  it("sets the addon's threads for the run (on record in environment.json) and changes no result", async () => {
    const config = (threads: number) =>
      parseRunConfig({
        ...base,
        backend: 'wasm',
        threads,
        methods: [],
        // wide and large enough that the convolutions and products are split over the threads
        student: { arch: 'cnn', options: { width: 8 } },
        train: { epochs: 2, batchSize: 64 },
      });
    const two = await runExperiment(host, config(2), { runDir: join(dir, 'threads-2') });
    const one = await runExperiment(host, config(1), { runDir: join(dir, 'threads-1') });
    const env = JSON.parse(readFileSync(join(dir, 'threads-2', 'environment.json'), 'utf8'));
    if (env.backend.native.state === 'used') expect(env.backend.native.threads).toBe(2);
    else expect(env.backend.native.reason).toMatch(/\S/);
    expect(two.student.test.last).toEqual(one.student.test.last);
    expect(two.numerics).toBe(one.numerics);
  });

  it('is a whole number from 1 to 64', () => {
    expect(() => parseRunConfig({ ...base, threads: 0 })).toThrow(/threads/);
    expect(() => parseRunConfig({ ...base, threads: 1.5 })).toThrow(/threads/);
  });
});

describe('crash safety and caches of a whole run', () => {
  const cls = { id: 'classification' };
  const epochLines = (runDir: string, stage: string) => new RunFolder(runDir).loggedEpochs(stage);

  it('a kill after an epoch was logged but before its checkpoint: the resume logs that epoch once', async () => {
    const config = parseRunConfig({
      ...base,
      cacheDir: join(dir, 'cache-crash'),
      train: { epochs: 3, batchSize: 32 },
      methods: [{ id: 'kd' }],
    });
    const runDir = join(dir, 'crash');
    let saves = 0;
    setReplaceFaultHook((point, d) => {
      if (!d.endsWith(join('distill', 'last')) || point !== 'tmp-written') return;
      if (++saves === 2) throw new Error('killed while epoch 2 was being saved');
    });
    await expect(runExperiment(host, config, { runDir })).rejects.toThrow('killed');
    setReplaceFaultHook(undefined);
    expect(epochLines(runDir, 'distill')).toEqual([1, 2]); // epoch 2 logged, its checkpoint not in place
    // the first process's epoch 1 as if it had taken 1000 s: the resumed run's time counts it
    const metricsPath = join(runDir, 'metrics.jsonl');
    const lines = readFileSync(metricsPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const r of lines) if (r.type === 'epoch' && r.stage === 'distill' && r.epoch === 1) r.seconds = 1000;
    writeFileSync(metricsPath, lines.map((r) => JSON.stringify(r) + '\n').join(''));
    // what the first process trained and the resume keeps: the teacher's epoch and distill epoch 1
    const earlier = lines
      .filter((r) => r.type === 'epoch' && !(r.stage === 'distill' && r.epoch >= 2))
      .reduce((sum, r) => sum + r.seconds, 0);
    const before = Date.now();
    const resumed = await runExperiment(host, config, { runDir });
    const wall = (Date.now() - before) / 1000;
    expect(resumed.completed).toBe(true);
    expect(epochLines(runDir, 'distill')).toEqual([1, 2, 3]);
    // epoch 2 was logged by the first process but is trained again (its checkpoint was lost): once
    expect(earlier).toBeGreaterThanOrEqual(1000);
    expect(resumed.seconds).toBeGreaterThanOrEqual(earlier);
    expect(resumed.seconds).toBeLessThanOrEqual(earlier + wall);
    const whole = await runExperiment(host, config, { runDir: join(dir, 'crash-reference') });
    expect(resumed.student).toEqual(whole.student);
    // per-step records (total loss, lr) for the reports' curves: one per step, as the uninterrupted run has
    const steps = (d: string) =>
      new RunFolder(d)
        .metrics()
        .filter((r) => r['type'] === 'step' && r['stage'] === 'distill')
        .map(({ epoch, step, stepsPerEpoch, loss, lr }) => ({ epoch, step, stepsPerEpoch, loss, lr }));
    const reference = steps(join(dir, 'crash-reference'));
    expect(reference.length).toBe(3 * (reference[0]!['stepsPerEpoch'] as number));
    expect(reference.map((r) => `${r.epoch}.${r.step}`)).toEqual(
      [1, 2, 3].flatMap((e) =>
        Array.from({ length: reference[0]!['stepsPerEpoch'] as number }, (_, s) => `${e}.${s + 1}`),
      ),
    );
    expect(steps(runDir)).toEqual(reference);
  });

  it('a damaged teacher-cache entry is noticed and the teacher trained again; the key includes the numerics', async () => {
    const cacheDir = join(dir, 'cache-damaged');
    const config = parseRunConfig({ ...base, cacheDir, methods: [{ id: 'kd' }] });
    const first = await runExperiment(host, config, { runDir: join(dir, 'damaged-1') });
    const entry = join(cacheDir, 'teachers', readdirSync(join(cacheDir, 'teachers'))[0]!);
    expect(entry).toBe(
      join(cacheDir, 'teachers', teacherCacheKey(config, config.teacher!, { backend: 'cpu', kernelBuild: null }, cls)),
    );
    truncateSync(join(entry, 'group1-shard1of1.bin'), 16);
    const lines: string[] = [];
    const second = await runExperiment(host, config, { runDir: join(dir, 'damaged-2'), log: (l) => lines.push(l) });
    expect(
      lines.some((l) => l.includes(`the teacher cache entry ${entry} is damaged (group1-shard1of1.bin has 16 bytes`)),
    ).toBe(true);
    expect(second.teachers[0]!.source).toBe('trained');
    expect(second.teachers[0]!.metrics).toEqual(first.teachers[0]!.metrics);
    expect(second.numerics).toBe('cpu');
    const third = await runExperiment(host, config, { runDir: join(dir, 'damaged-3') });
    expect(third.teachers[0]!.source).toBe('cache');
    // another kernel build is another entry
    const relaxed = { backend: 'wasm', kernelBuild: 'relaxed-simd' };
    expect(teacherCacheKey(config, config.teacher!, relaxed, cls)).not.toBe(
      teacherCacheKey(config, config.teacher!, { backend: 'wasm', kernelBuild: 'simd128' }, cls),
    );
    // a teacher trained for another task is another entry
    expect(teacherCacheKey(config, config.teacher!, relaxed, cls)).not.toBe(
      teacherCacheKey(config, config.teacher!, relaxed, { id: 'multi-label' }),
    );
    // two configs in two folders that both say `root: images` read two folders: two entries
    const inA = parseRunConfig({ ...base, baseDir: '/projects/a', methods: [{ id: 'kd' }] });
    const inB = parseRunConfig({ ...base, baseDir: '/projects/b', methods: [{ id: 'kd' }] });
    expect(teacherCacheKey(inA, inA.teacher!, relaxed, cls)).not.toBe(teacherCacheKey(inB, inB.teacher!, relaxed, cls));
  });

  it('runs without --run-dir started at the same moment get folders of their own', async () => {
    const outDir = join(dir, 'same-moment');
    const config = parseRunConfig({
      ...base,
      outDir,
      cacheDir: join(dir, 'cache-moment'),
      teacher: undefined,
      methods: [],
    });
    const [a, b] = await Promise.all([runExperiment(host, config), runExperiment(host, config)]);
    expect(a.runDir).not.toBe(b.runDir);
    expect(readdirSync(outDir)).toHaveLength(2);
    for (const r of [a, b]) expect(epochLines(r.runDir, 'distill')).toEqual([1]);
  });
});
