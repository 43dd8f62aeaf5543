import { ConfigError, createHost } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerKd } from '@kd/method-kd';
import { register as registerModels } from '@kd/models';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildRun, disposeRun } from './assemble/build-run.js';
import { parseRunConfig } from './config/load-config.js';
import { runExperiment } from './run.js';
import { recipeKey } from './stages/recipe.js';
import { register as registerTasks } from '@kd/tasks';

const host = createHost([registerModels, registerData, registerKd, registerTasks]);
const dir = mkdtempSync(join(tmpdir(), 'kd-recipe-'));
const data = { options: { trainSize: 64, val: 100, test: 100 } };
const teacherModel = { arch: 'resnet8', options: { width: 2 } };
const recipeFile = join(dir, 'teacher-recipe.yaml');
// the recipe: a plain run whose student becomes the teacher of later runs
writeFileSync(
  recipeFile,
  stringify({
    name: 'tiny-teacher',
    backend: 'cpu',
    data,
    student: teacherModel,
    train: { epochs: 1, batchSize: 32 },
    methods: [],
  }),
);

const later = (cacheDir: string, seed: number) =>
  parseRunConfig({
    backend: 'cpu',
    seed,
    cacheDir,
    data,
    teacher: { ...teacherModel, recipe: recipeFile },
    student: { arch: 'cnn', options: { width: 2 } },
    train: { epochs: 1, batchSize: 32 },
    methods: [{ id: 'kd' }],
  });

describe('teachers by recipe (teacher.recipe: a run config trained once and cached by its content)', () => {
  it('runs the recipe once; later runs of any seed load its saved student', async () => {
    const cacheDir = join(dir, 'cache');
    const lines: string[] = [];
    const first = await runExperiment(host, later(cacheDir, 1), { runDir: join(dir, 'r1'), log: (l) => lines.push(l) });
    const second = await runExperiment(host, later(cacheDir, 2), { runDir: join(dir, 'r2') });
    expect(first.teachers[0]!.source).toBe('recipe');
    expect(second.teachers[0]!.source).toBe('recipe');
    expect(second.teachers[0]!.path).toBe(first.teachers[0]!.path);
    expect(second.teachers[0]!.metrics).toEqual(first.teachers[0]!.metrics);
    expect(readdirSync(join(cacheDir, 'recipes'))).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('recipe tiny-teacher: not in the cache'))).toBe(true);
    expect(lines.some((l) => /^recipe tiny-teacher: done in \d+ s$/.test(l))).toBe(true);
    expect(existsSync(join(first.teachers[0]!.path, 'model.json'))).toBe(true);

    // a damaged saved model in the cache is noticed and rebuilt from the recipe's checkpoints
    const shard = join(first.teachers[0]!.path, 'group1-shard1of1.bin');
    truncateSync(shard, 100);
    const relog: string[] = [];
    const third = await runExperiment(host, later(cacheDir, 3), { runDir: join(dir, 'r3'), log: (l) => relog.push(l) });
    expect(
      relog.some(
        (l) =>
          l.includes('is damaged (group1-shard1of1.bin has 100 bytes') &&
          l.includes("rebuilding it from the run's checkpoints"),
      ),
    ).toBe(true);
    expect(third.teachers[0]!.metrics).toEqual(first.teachers[0]!.metrics);
    expect(readdirSync(join(cacheDir, 'recipes'))).toHaveLength(1);
  });

  it('keys recipes by content and numerics: where things go does not count, the seed and the kernel build do', () => {
    const a = parseRunConfig({ name: 'a', student: teacherModel });
    const relaxed = { backend: 'wasm', kernelBuild: 'relaxed-simd' };
    expect(recipeKey(parseRunConfig({ name: 'b', outDir: 'elsewhere', student: teacherModel }), relaxed)).toBe(
      recipeKey(a, relaxed),
    );
    // relative paths in a recipe are read from its folder: another folder is another recipe
    expect(recipeKey(parseRunConfig({ name: 'a', baseDir: '/x', student: teacherModel }), relaxed)).not.toBe(
      recipeKey(a, relaxed),
    );
    expect(recipeKey(parseRunConfig({ name: 'a', seed: 5, student: teacherModel }), relaxed)).not.toBe(
      recipeKey(a, relaxed),
    );
    expect(recipeKey(a, { backend: 'wasm', kernelBuild: 'simd128' })).not.toBe(recipeKey(a, relaxed));
    expect(recipeKey(a, { backend: 'cpu', kernelBuild: null })).not.toBe(recipeKey(a, relaxed));
  });

  it('keys a recipe that names other recipes by their content: editing the inner file re-keys the outer; a cycle is a ConfigError', () => {
    const chain = mkdtempSync(join(tmpdir(), 'kd-recipe-chain-'));
    const relaxed = { backend: 'wasm', kernelBuild: 'relaxed-simd' };
    const inner = (epochs: number) =>
      writeFileSync(join(chain, 'inner.yaml'), stringify({ name: 'inner', student: teacherModel, train: { epochs } }));
    const outer = parseRunConfig({
      name: 'outer',
      baseDir: chain,
      student: { ...teacherModel, init: { recipe: 'inner.yaml' } },
      teacher: { ...teacherModel, recipe: 'inner.yaml' },
    });
    inner(1);
    const before = recipeKey(outer, relaxed);
    expect(recipeKey(outer, relaxed)).toBe(before);
    inner(2);
    expect(recipeKey(outer, relaxed)).not.toBe(before);
    inner(1);
    expect(recipeKey(outer, relaxed)).toBe(before);
    // a chain that comes back to a file it started from
    writeFileSync(
      join(chain, 'loop.yaml'),
      stringify({ name: 'loop', student: { ...teacherModel, init: { recipe: 'loop.yaml' } } }),
    );
    const looping = parseRunConfig({
      name: 'x',
      baseDir: chain,
      student: { ...teacherModel, init: [{ recipe: 'loop.yaml' }] },
    });
    let err: unknown;
    try {
      recipeKey(looping, relaxed);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe('student.init.recipe');
    expect((err as Error).message).toContain('names itself through its recipes');
    rmSync(chain, { recursive: true, force: true });
  });

  it('rejects, before any file is written, a recipe whose student is not the configured teacher, a missing file, and recipe + checkpoint', async () => {
    const bad = async (teacher: object, field: string) => {
      const config = parseRunConfig({
        backend: 'cpu',
        data,
        teacher,
        student: { arch: 'cnn', options: { width: 2 } },
        methods: [{ id: 'kd' }],
      });
      const err = await buildRun(host, config).then(
        (r) => (disposeRun(r), undefined),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe(field);
    };
    await bad({ arch: 'resnet8', options: { width: 4 }, recipe: recipeFile }, 'teacher.options');
    await bad({ arch: 'cnn', options: { width: 2 }, recipe: recipeFile }, 'teacher.arch');
    await bad({ ...teacherModel, recipe: join(dir, 'missing.yaml') }, 'teacher.recipe');
    await bad({ ...teacherModel, recipe: recipeFile, checkpoint: dir }, 'teacher.recipe');
  });
});

describe('recipe locks (two processes never train one recipe into one folder)', () => {
  it('lets one holder in at a time, and takes over a lock whose owner has died', async () => {
    const { tryLock } = await import('./folder/pid-lock.js');
    const path = join(dir, 'locks', 'r.lock');
    const release = tryLock(path);
    expect(release).toBeDefined();
    expect(tryLock(path)).toBeUndefined(); // held by this (live) process
    release!();
    writeFileSync(path, '999999999'); // no such process
    const again = tryLock(path);
    expect(again).toBeDefined();
    // a release removes only a lock that is still ours
    writeFileSync(path, String(process.ppid));
    again!();
    expect(readFileSync(path, 'utf8')).toBe(String(process.ppid));
    rmSync(path);
    expect(readdirSync(join(dir, 'locks'))).toEqual([]); // no stale copies left behind
  });

  it('waits while another process holds the recipe, then loads what it trained', async () => {
    const { ensureRecipe, recipeRunDir } = await import('./stages/recipe.js');
    const { mkdirSync } = await import('node:fs');
    const cacheDir = join(dir, 'cache-wait');
    const recipe = parseRunConfig({ name: 'waited', student: teacherModel });
    const numerics = { backend: 'cpu', kernelBuild: null };
    const runDir = recipeRunDir(cacheDir, recipe, numerics);
    mkdirSync(join(cacheDir, 'recipes'), { recursive: true });
    writeFileSync(`${runDir}.lock`, String(process.pid)); // "another process" (alive) holds it
    const lines: string[] = [];
    let ran = 0;
    const pending = ensureRecipe(host, recipe, {
      cacheDir,
      numerics,
      run: async () => void ran++,
      log: (l) => lines.push(l),
      pollMs: 10,
    });
    await new Promise((r) => setTimeout(r, 50));
    // the other process finishes: saved student + summary, lock released
    mkdirSync(join(runDir, 'student'), { recursive: true });
    writeFileSync(join(runDir, 'student', 'model.json'), '{}');
    const { writeEntryManifest } = await import('./stages/cache-entry.js');
    writeEntryManifest(join(runDir, 'student'));
    writeFileSync(join(runDir, 'summary.json'), '{}');
    rmSync(`${runDir}.lock`);
    const out = await pending;
    expect(out).toEqual({ modelDir: join(runDir, 'student'), ranNow: false });
    expect(ran).toBe(0);
    expect(lines.filter((l) => l.includes('another process is training it'))).toHaveLength(1);
  });
});
