import {
  ConfigError,
  createHost,
  MissingTapError,
  registerDataset,
  UserError,
  type DataSplit,
  type DatasetProvider,
} from '@kd/core';
import { mnistProvider, register as registerData } from '@kd/data';
import { register as registerFitnet } from '@kd/method-fitnet';
import { register as registerKd } from '@kd/method-kd';
import { register as registerModels } from '@kd/models';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/load-config.js';
import { buildRun, disposeRun } from './build-run.js';
import { register as registerTasks } from '@kd/tasks';

const host = createHost([registerModels, registerData, registerKd, registerFitnet, registerTasks]);
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
    expect(
      ((await failure({ ...small, teacher, methods: [{ id: 'kd', weights: { hard: 1 } }] })) as ConfigError).path,
    ).toBe('methods[0].weights');
    expect(
      ((await failure({ ...small, teacher, methods: [{ id: 'kd', stages: { warm: { epochs: 1 } } }] })) as ConfigError)
        .path,
    ).toBe('methods[0].stages.warm');
  });

  it('an optimizer group no module trains in is named in a warning (a typo would silently keep the main settings)', async () => {
    const run = await buildRun(
      host,
      parseRunConfig({
        ...small,
        teacher,
        methods: [{ id: 'kd' }],
        train: { groups: { connectr: { optimizer: { lr: 0.1 } } } },
      }),
    );
    expect(run.warnings).toContainEqual(
      expect.stringMatching(
        /^train\.groups\.connectr: no module of this run trains in optimizer group 'connectr' \(groups: main\)/,
      ),
    );
    disposeRun(run);
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
      parseRunConfig({
        ...small,
        teacher,
        task: { weight: 0.1 },
        methods: [{ id: 'kd' }, { id: 'fitnet', weights: { hint: 0 } }],
      }),
    );
    try {
      expect(run.weights.map((w) => `${w.method}.${w.term}=${w.weight}`)).toEqual([
        'task.ce=0.1',
        'kd.soft=0.9',
        'fitnet.hint=0',
      ]);
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
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({
        format: 'kd-model/1',
        arch: 'resnet20',
        options: {},
        inputShape: [28, 28, 1],
        numClasses: 10,
        params: 1,
      }),
    );
    const m = (await failure({ ...small, teacher: { ...teacher, checkpoint: dir } })) as ConfigError;
    expect(m.path).toBe('teacher.checkpoint');
    expect(m.message).toContain('resnet20');
  });
});

describe('buildRun refuses a distill stage with no loss term', () => {
  const off = (e: Error) => {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).path).toBe('task.weight');
    expect(e.message).toMatch(/^config field 'task\.weight': .*nothing would be trained/);
    expect(e.message).not.toContain('\n');
  };

  it('task.weight 0 and no methods', async () => {
    off(await failure({ ...small, task: { weight: 0 } }));
  });

  it('task.weight 0 and every method term weight 0', async () => {
    const e = await failure({ ...small, teacher, task: { weight: 0 }, methods: [{ id: 'kd', weights: { soft: 0 } }] });
    off(e);
    expect(e.message).toContain('kd.soft');
  });

  it("a method's own stage (fitnet's hint stage) does not count: the distill stage would still have no term", async () => {
    off(await failure({ ...small, teacher, task: { weight: 0 }, methods: [{ id: 'fitnet', weights: { hint: 0 } }] }));
  });

  it('one active term anywhere is enough', async () => {
    const onlyKd = await buildRun(
      host,
      parseRunConfig({
        ...small,
        teacher,
        task: { weight: 0 },
        methods: [{ id: 'kd' }, { id: 'fitnet', weights: { hint: 0 } }],
      }),
    );
    const onlyTask = await buildRun(
      host,
      parseRunConfig({ ...small, teacher, methods: [{ id: 'kd', weights: { soft: 0 } }] }),
    );
    disposeRun(onlyKd);
    disposeRun(onlyTask);
  });
});

describe('buildRun warns about tiny splits', () => {
  it('none for an ordinary run', async () => {
    const run = await buildRun(host, parseRunConfig(small));
    try {
      expect(run.warnings).toEqual([]);
    } finally {
      disposeRun(run);
    }
  });

  it('train smaller than a batch, a tiny val split, an empty test split', async () => {
    const run = await buildRun(
      host,
      parseRunConfig({ ...small, data: { options: { trainSize: 8, val: 3, test: 0 } }, train: { batchSize: 32 } }),
    );
    try {
      expect(run.warnings).toHaveLength(3);
      expect(run.warnings[0]).toMatch(/train split has 8 samples, fewer than train\.batchSize \(32\)/);
      expect(run.warnings[1]).toMatch(/val split has 3 samples/);
      expect(run.warnings[2]).toMatch(/test split is empty/);
      for (const w of run.warnings) expect(w).not.toContain('\n');
    } finally {
      disposeRun(run);
    }
  });

  it('an empty val split; a tiny test split', async () => {
    const run = await buildRun(
      host,
      parseRunConfig({ ...small, data: { options: { trainSize: 64, val: 0, test: 1 } } }),
    );
    try {
      expect(run.warnings).toHaveLength(2);
      expect(run.warnings[0]).toMatch(/val split is empty/);
      expect(run.warnings[1]).toMatch(/test split has 1 sample\b/);
    } finally {
      disposeRun(run);
    }
  });

  it('an empty train split is a UserError at data.options', async () => {
    const empty: DataSplit = {
      size: 0,
      labels: new Int32Array(0),
      batch: () => {
        throw new Error('no samples');
      },
    };
    const provider: DatasetProvider = {
      id: 'empty-train',
      description: 'mnist with an empty train split (test only)',
      load: async (options, seed) => {
        const data = await mnistProvider.load(options, seed);
        return {
          name: data.name,
          inputShape: data.inputShape,
          numClasses: data.numClasses,
          classNames: data.classNames,
          split: (n) => (n === 'train' ? empty : data.split(n)),
        };
      },
    };
    const withEmpty = createHost([registerModels, registerData, registerTasks, (c) => registerDataset(c, provider)]);
    let error: Error | undefined;
    try {
      disposeRun(
        await buildRun(
          withEmpty,
          parseRunConfig({ ...small, data: { dataset: 'empty-train', options: { trainSize: 64 } } }),
        ),
      );
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(UserError);
    expect(error!.message).toMatch(/^config field 'data\.options': the train split is empty/);
  });
});
