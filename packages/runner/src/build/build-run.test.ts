import { ConfigError, createHost, MissingTapError, UserError } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerFitnet } from '@kd/method-fitnet';
import { register as registerKd } from '@kd/method-kd';
import { register as registerModels } from '@kd/models';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/load-config.js';
import { buildRun, disposeRun } from './build-run.js';

const host = createHost([registerModels, registerData, registerKd, registerFitnet]);
const small = { data: { options: { trainSize: 64 } }, student: { arch: 'cnn', options: { width: 4 } } };
const teacher = { arch: 'resnet8' };

async function failure(raw: object): Promise<Error> {
  try {
    const run = await buildRun(host, parseRunConfig(raw));
    disposeRun(run);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected buildRun to fail');
}

describe('buildRun validates before anything runs', () => {
  it('unknown method → ConfigError at methods[i].id listing the installed ones', async () => {
    const e = (await failure({ ...small, methods: [{ id: 'dkd' }] })) as ConfigError;
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.path).toBe('methods[0].id');
    expect(e.message).toContain('fitnet');
  });

  it('bad hyperparameter → ConfigError at methods[i].hparams.<name>', async () => {
    const e = (await failure({ ...small, teacher, methods: [{ id: 'kd', hparams: { T: 'hot' } }] })) as ConfigError;
    expect(e.path).toBe('methods[0].hparams.T');
    const u = (await failure({ ...small, teacher, methods: [{ id: 'kd', hparams: { tau: 2 } }] })) as ConfigError;
    expect(u.path).toBe('methods[0].hparams.tau');
  });

  it('unknown term weight and unknown stage are named', async () => {
    expect(((await failure({ ...small, teacher, methods: [{ id: 'kd', weights: { hard: 1 } }] })) as ConfigError).path).toBe('methods[0].weights');
    expect(((await failure({ ...small, teacher, methods: [{ id: 'kd', stages: { warm: { epochs: 1 } } }] })) as ConfigError).path).toBe(
      'methods[0].stages.warm',
    );
  });

  it('unknown architecture → ConfigError at student.arch / teacher.arch', async () => {
    expect(((await failure({ ...small, student: { arch: 'vgg99' } })) as ConfigError).path).toBe('student.arch');
    expect(((await failure({ ...small, teacher: { arch: 'vgg99' } })) as ConfigError).path).toBe('teacher.arch');
  });

  it('a method that needs a teacher says so', async () => {
    const e = await failure({ ...small, methods: [{ id: 'kd' }] });
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain("method 'kd' needs a teacher");
  });

  it('a missing tap is reported at build time with its name', async () => {
    const e = await failure({ ...small, teacher, methods: [{ id: 'fitnet', hparams: { teacherTap: 'stage9' } }] });
    expect(e).toBeInstanceOf(MissingTapError);
    expect(e.message).toContain("'stage9'");
    expect(e.message).toContain('teacher');
  });

  it('pick-and-mix: kd + fitnet in one run, terms namespaced, taps merged', async () => {
    const run = await buildRun(
      host,
      parseRunConfig({ ...small, teacher, task: { weight: 0.1 }, methods: [{ id: 'kd' }, { id: 'fitnet', weights: { hint: 0 } }] }),
    );
    try {
      expect(run.weights.map((w) => `${w.method}.${w.term}=${w.weight}`)).toEqual(['task.ce=0.1', 'kd.soft=0.9', 'fitnet.hint=0']);
      expect([...run.taps.get('teacher')!]).toEqual(expect.arrayContaining(['logits', 'stage2']));
      expect([...run.taps.get('student')!]).toEqual(expect.arrayContaining(['logits', 'stage2']));
      expect(run.methods.find((m) => m.id === 'fitnet')!.aux.length).toBeGreaterThan(0);
      expect(run.teacher!.model.trainableVariables()).toHaveLength(0);
    } finally {
      disposeRun(run);
    }
  });

  it('each run resolves fresh method instances', async () => {
    const cfg = parseRunConfig({ ...small, teacher, methods: [{ id: 'kd' }] });
    const a = await buildRun(host, cfg);
    const b = await buildRun(host, cfg);
    expect(a.methods[0]!.method).not.toBe(b.methods[0]!.method);
    disposeRun(a);
    disposeRun(b);
  });

  it('a teacher no method reads is not run in the distill stage', async () => {
    const alone = await buildRun(host, parseRunConfig({ ...small, teacher }));
    const withKd = await buildRun(host, parseRunConfig({ ...small, teacher, methods: [{ id: 'kd' }] }));
    try {
      expect(alone.active.map((p) => p.name)).toEqual(['student']);
      expect(withKd.active.map((p) => p.name)).toEqual(['teacher', 'student']);
    } finally {
      disposeRun(alone);
      disposeRun(withKd);
    }
  });

  it('a teacher checkpoint that is missing or holds another model is a ConfigError at teacher.checkpoint', async () => {
    const e = (await failure({ ...small, teacher: { ...teacher, checkpoint: '/nonexistent/run' } })) as ConfigError;
    expect(e.path).toBe('teacher.checkpoint');
    expect(e.message).toContain('/nonexistent/run');
    const dir = mkdtempSync(join(tmpdir(), 'kd-ck-'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'kd-model/1', arch: 'resnet20', options: {}, inputShape: [28, 28, 1], numClasses: 10, params: 1 }));
    const m = (await failure({ ...small, teacher: { ...teacher, checkpoint: dir } })) as ConfigError;
    expect(m.path).toBe('teacher.checkpoint');
    expect(m.message).toContain('resnet20');
  });
});

