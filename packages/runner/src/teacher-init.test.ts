/**
 * A teacher the run's task cannot judge (a crop teacher, an embedding-only model, under detection) is
 * accepted and not evaluated; `teacher.init` loads (part of) a saved model into it with the same
 * code, map and one-line errors as `student.init`; the teacher cache key follows the init.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, createHost, UserError } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerModels } from '@kd/models';
import { register as registerTasks } from '@kd/tasks';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildRun, disposeRun } from './assemble/build-run.js';
import { readModelVariables } from './assemble/saved-model.js';
import { parseRunConfig } from './config/load-config.js';
import { runExperiment } from './run.js';
import { teacherCacheKey, teacherInitKey } from './stages/teacher-stage.js';

const host = createHost([registerModels, registerData, registerTasks]);
const dir = mkdtempSync(join(tmpdir(), 'kd-teacher-init-'));
const cacheDir = join(dir, 'cache');
// the image model a crop teacher wraps, trained once by recipe on MNIST digits (the scenes' items)
const recipeFile = join(dir, 'digits.yaml');
writeFileSync(
  recipeFile,
  stringify({
    name: 'digits',
    backend: 'cpu',
    data: { options: { trainSize: 64, val: 32, test: 32 } },
    student: { arch: 'cnn', options: { width: 2 } },
    train: { epochs: 1, batchSize: 32 },
  }),
);
const cropTeacher = (image: object = { arch: 'cnn', options: { width: 2 } }) => ({
  arch: 'crop-teacher',
  options: { image, proposals: '', regions: 4, cropSize: [28, 28] },
});

const config = (teacher: object | undefined) =>
  parseRunConfig({
    backend: 'cpu',
    seed: 1,
    cacheDir,
    data: {
      dataset: 'scenes',
      options: { items: 'mnist', size: 48, train: 16, val: 8, test: 8, proposals: 'one' },
    },
    student: { arch: 'region-detector', options: { width: 4, regions: 8, pool: 2, hidden: 8 } },
    task: { id: 'detection' },
    ...(teacher ? { teacher } : {}),
    train: { epochs: 1, batchSize: 8 },
  });

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected the run to fail');
    },
    (e: Error) => e,
  );
}

describe('a teacher outside the run task, initialised by teacher.init', () => {
  it('is accepted, loaded from the recipe under image., not judged by the task; the summary has no metric for it', async () => {
    const lines: string[] = [];
    const summary = await runExperiment(
      host,
      config({ ...cropTeacher(), init: { recipe: recipeFile, map: { '': 'image' } } }),
      { runDir: join(dir, 'run'), log: (l) => lines.push(l) },
    );
    expect(summary.completed).toBe(true);
    const [t] = summary.teachers;
    expect(t).toMatchObject({ name: 'teacher', arch: 'crop-teacher', source: 'init' });
    expect(t!.metrics).toBeUndefined();
    expect(t!.unjudged).toMatch(/^its model lacks the task's taps .*boxDeltas/);
    expect(lines).toContain(
      `teacher: 17 of 17 variables initialised from recipe ${recipeFile}; every variable initialised`,
    );
    expect(lines.find((l) => l.startsWith('teacher: crop-teacher'))).toMatch(
      /init from .*student, not judged by task 'detection': its model lacks the task's taps/,
    );
    // no teacher-train stage: the task cannot train it
    expect(summary.stages.map((s) => s.name)).toEqual(['distill']);
  });

  it('loads the mapped variables bit for bit (a checkpoint init is loaded when the run is built)', async () => {
    const [recipeDir] = readdirSync(join(cacheDir, 'recipes')).filter((d) => !d.endsWith('.lock'));
    const saved = join(cacheDir, 'recipes', recipeDir!, 'student');
    const run = await buildRun(host, config({ ...cropTeacher(), init: { checkpoint: saved, map: { '': 'image' } } }));
    try {
      const want = readModelVariables(saved);
      const vars = run.teacher!.model.namedVariables();
      expect(Object.keys(want)).toHaveLength(17);
      for (const [k, v] of Object.entries(want)) expect(vars.get(`image.${k}`)!.dataSync(), k).toEqual(v.dataSync());
      tf.dispose(Object.values(want));
      expect(run.teacherInits.get('teacher')![0]).toMatchObject({ loaded: 17, total: 17 });
      expect(run.task.unjudged.get('teacher')).toMatch(/boxDeltas/);
      // the distillation stage asks it for no task tap
      expect([...run.taps.get('teacher')!]).toEqual([]);
    } finally {
      disposeRun(run);
    }
  });

  it('a list of sources loads each one’s variables when the run is built; two sources for one variable are refused', async () => {
    const [recipeDir] = readdirSync(join(cacheDir, 'recipes')).filter((d) => !d.endsWith('.lock'));
    const saved = join(cacheDir, 'recipes', recipeDir!, 'student');
    const convs = Object.fromEntries(['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3'].map((m) => [m, `image.${m}`]));
    const run = await buildRun(
      host,
      config({
        ...cropTeacher(),
        init: [
          { checkpoint: saved, map: convs },
          { checkpoint: saved, map: { fc: 'image.fc' } },
        ],
      }),
    );
    try {
      expect(run.teacherInits.get('teacher')!.map((r) => [r!.field, r!.loaded])).toEqual([
        ['teacher.init[0]', 15],
        ['teacher.init[1]', 2],
      ]);
    } finally {
      disposeRun(run);
    }
    const err = await failure(
      buildRun(
        host,
        config({
          ...cropTeacher(),
          init: [
            { checkpoint: saved, map: convs },
            { checkpoint: saved, map: { '': 'image' } },
          ],
        }),
      ),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe('teacher.init[1].map');
    expect(err.message).toMatch(
      /the teacher's image\.conv1\.weight, image\.bn1\.gamma … \(13 more\) would be initialised by two sources, teacher\.init\[0\] \(checkpoint .*\) and teacher\.init\[1\]/,
    );
  });

  it('one-line errors: a map that matches nothing, other shapes, no weights at all, evaluate: true without the taps', async () => {
    const [recipeDir] = readdirSync(join(cacheDir, 'recipes')).filter((d) => !d.endsWith('.lock'));
    const saved = join(cacheDir, 'recipes', recipeDir!, 'student');
    const cases: [object, string, RegExp][] = [
      [
        { ...cropTeacher(), init: { checkpoint: saved, map: { backbone: 'image' } } },
        'teacher.init.map',
        /'backbone' matches no variable of the saved model/,
      ],
      [
        { ...cropTeacher(), init: { checkpoint: saved, map: { '': 'encoder' } } },
        'teacher.init.map.',
        /'encoder' names no part of the teacher/,
      ],
      [
        { ...cropTeacher({ arch: 'cnn', options: { width: 3 } }), init: { checkpoint: saved, map: { '': 'image' } } },
        'teacher.init',
        /does not fit the teacher's image\.conv1\.weight/,
      ],
      [
        { ...cropTeacher(), init: { recipe: recipeFile }, checkpoint: saved },
        'teacher.init',
        /give either checkpoint \(the whole teacher\) or init/,
      ],
      [cropTeacher(), 'teacher', /has no tap boxDeltas for task 'detection', so the task cannot train it/],
    ];
    for (const [teacher, field, message] of cases) {
      const err = await failure(buildRun(host, config(teacher)));
      expect(err, field).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path, field).toBe(field);
      expect(err.message, field).toMatch(message);
      expect(err.message, field).not.toContain('\n');
    }
    const strict = await failure(
      buildRun(host, config({ ...cropTeacher(), evaluate: true, init: { checkpoint: saved, map: { '': 'image' } } })),
    );
    expect(strict).toBeInstanceOf(UserError);
    expect(strict.message).toMatch(/task 'detection' needs tap 'boxDeltas' on model 'teacher \(crop-teacher\)'/);
  });

  it('evaluate: false leaves a teacher the task could judge unjudged (it is still trained by the task when it needs weights)', async () => {
    const detector = { arch: 'region-detector', options: { width: 4, regions: 8, pool: 2, hidden: 8 } };
    const judged = await buildRun(host, config(detector));
    const not = await buildRun(host, config({ ...detector, evaluate: false }));
    try {
      expect(judged.task.unjudged.size).toBe(0);
      expect(not.task.unjudged.get('teacher')).toBe('its config says evaluate: false');
      expect(not.taps.get('teacher')).toEqual(judged.taps.get('teacher'));
    } finally {
      disposeRun(judged);
      disposeRun(not);
    }
  });

  it('the teacher cache key changes with the init and stays as before without one', () => {
    const c = config({ arch: 'region-detector', options: { width: 4, regions: 8, pool: 2, hidden: 8 } });
    const tc = c.teacher!;
    const numerics = { backend: 'cpu', kernels: 'test' } as never;
    const task = { id: 'detection' };
    const plain = teacherCacheKey(c, tc, numerics, task);
    expect(teacherCacheKey(c, tc, numerics, task, undefined)).toBe(plain);
    const a = teacherInitKey({ recipe: 'a.yaml' }, { recipeKey: '0123456789abcdef' });
    const b = teacherInitKey({ recipe: 'a.yaml' }, { recipeKey: 'fedcba9876543210' });
    const mapped = teacherInitKey({ recipe: 'a.yaml', map: { '': 'image' } }, { recipeKey: '0123456789abcdef' });
    const keys = [plain, ...[a, b, mapped].map((k) => teacherCacheKey(c, tc, numerics, task, k))];
    expect(new Set(keys).size).toBe(4);
  });
});
