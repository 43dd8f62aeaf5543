import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, listTree, tempDir, writeFile } from '../test/kd.js';

const RECIPE = `name: tiny-teacher
seed: 0
backend: wasm
data:
  dataset: mnist
  options: { trainSize: 128, val: 100, test: 100 }
student:
  arch: cnn
  options: { width: 4 }
train: { epochs: 1, batchSize: 64, optimizer: { lr: 0.05 } }
`;

const USES = `name: uses
seed: 1
backend: wasm
data:
  dataset: mnist
  options: { trainSize: 128, val: 100, test: 100 }
teacher: { arch: cnn, options: { width: 4 }, recipe: teacher.yaml }
student:
  arch: cnn
  options: { width: 2 }
train: { epochs: 1, batchSize: 64, optimizer: { lr: 0.05 } }
methods: [{ id: kd }]
`;

describe('kd run --as-recipe: a config trained into the recipe cache, where a teacher.recipe naming its file finds it', () => {
  it('trains once, prints the saved student; a later run names the file and loads it without training; again is a no-op', async () => {
    const cwd = tempDir('as-recipe');
    const recipe = writeFile(cwd, 'teacher.yaml', RECIPE);
    const first = await kd(['run', recipe, '--as-recipe'], cwd);
    expect(first.code, first.stderr).toBe(0);
    const entries = readdirSync(join(cwd, '.kd-cache', 'recipes')).filter((n) => !n.endsWith('.lock'));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(/^tiny-teacher-[0-9a-f]{16}$/);
    const saved = join(cwd, '.kd-cache', 'recipes', entries[0]!, 'student');
    expect(first.stdout.trim()).toBe(`recipe tiny-teacher: its saved student is ${saved}`);
    expect(existsSync(join(saved, 'model.json'))).toBe(true);
    expect(first.stderr).toMatch(/recipe tiny-teacher: not in the cache, running it once/);
    // its progress shows, its stages named after it
    expect(first.stderr).toMatch(/^\[recipe tiny-teacher › distill\] epoch 1\/1 {2}loss \d+\.\d{4} {2}val accuracy/m);

    const again = await kd(['run', recipe, '--as-recipe'], cwd);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/running it once/);
    expect(again.stdout.trim()).toBe(first.stdout.trim());

    const run = await kd(['run', writeFile(cwd, 'uses.yaml', USES), '--run-dir', join(cwd, 'run')], cwd);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/running it once/);
    const teacher = JSON.parse(readFileSync(join(cwd, 'run', 'summary.json'), 'utf8')).teachers[0];
    expect(teacher.source).toBe('recipe');
    expect(resolve(cwd, teacher.path)).toBe(saved);
  });

  it('takes neither --run-dir nor --stop-after-epochs: one line, exit 2, nothing written', async () => {
    const cwd = tempDir('as-recipe-flags');
    const recipe = writeFile(cwd, 'teacher.yaml', RECIPE);
    for (const extra of [
      ['--run-dir', join(cwd, 'x')],
      ['--stop-after-epochs', '1'],
    ]) {
      const r = await kd(['run', recipe, '--as-recipe', ...extra], cwd);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(
        'kd: --as-recipe trains into the recipe cache: it takes neither --run-dir nor --stop-after-epochs',
      );
    }
    expect(listTree(cwd)).toEqual(['teacher.yaml']);
  });
});
