/**
 * A student initialised from a recipe with a frozen encoder trains only its head: after the run its
 * frozen variables are bit-identical to the recipe's saved weights (batch-norm running statistics
 * included), the head's have moved. A bad freeze prefix or init map stops the run before anything is
 * written.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, createHost } from '@kd/core';
import { register as registerData } from '@kd/data';
import { register as registerModels } from '@kd/models';
import { register as registerTasks } from '@kd/tasks';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readModelVariables } from './assemble/saved-model.js';
import { parseRunConfig } from './config/load-config.js';
import { runExperiment } from './run.js';

const host = createHost([registerModels, registerData, registerTasks]);
const dir = mkdtempSync(join(tmpdir(), 'kd-student-init-'));
const data = { options: { trainSize: 64, val: 32, test: 32 } };
const model = { arch: 'cnn', options: { width: 2 } };
const recipeFile = join(dir, 'encoder-recipe.yaml');
writeFileSync(
  recipeFile,
  stringify({ name: 'tiny-encoder', backend: 'cpu', data, student: model, train: { epochs: 1, batchSize: 32 } }),
);
const ENCODER = ['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3'];

const config = (student: object, cacheDir = join(dir, 'cache')) =>
  parseRunConfig({
    backend: 'cpu',
    seed: 3,
    cacheDir,
    data,
    student: { ...model, ...student },
    train: { epochs: 1, batchSize: 16 },
  });

function values(modelDir: string): Record<string, number[]> {
  const saved = readModelVariables(modelDir);
  const out = Object.fromEntries(Object.entries(saved).map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose(Object.values(saved));
  return out;
}

describe('student.init from a recipe, with student.freeze', () => {
  it('trains only the head: frozen variables and BN statistics stay the recipe’s, bit for bit; the head moves', async () => {
    const lines: string[] = [];
    const runDir = join(dir, 'heads-only');
    const summary = await runExperiment(host, config({ init: { recipe: recipeFile }, freeze: ENCODER }), {
      runDir,
      log: (l) => lines.push(l),
    });
    expect(summary.completed).toBe(true);
    expect(lines).toContain(
      `student: 17 of 17 variables initialised from recipe ${recipeFile}; every variable initialised`,
    );

    const [recipeDir] = readdirSync(join(dir, 'cache', 'recipes')).filter((d) => !d.endsWith('.lock'));
    const before = values(join(dir, 'cache', 'recipes', recipeDir!, 'student'));
    const after = values(join(runDir, 'student'));
    const frozen = Object.keys(before).filter((k) => ENCODER.includes(k.split('.')[0]!));
    expect(frozen.filter((k) => k.includes('running_'))).toHaveLength(6);
    for (const k of frozen) expect(after[k], k).toEqual(before[k]);
    for (const k of ['fc.weight', 'fc.bias']) expect(after[k], k).not.toEqual(before[k]);
  });

  it('a bad freeze prefix or init map is a one-line ConfigError before anything is written', async () => {
    const outDir = join(dir, 'nothing');
    const cases: [object, string][] = [
      [{ freeze: ['encoder'] }, 'student.freeze[0]'],
      [{ init: { recipe: recipeFile, map: { backbone: 'conv1' } } }, 'student.init.map'],
      [{ init: { checkpoint: join(dir, 'heads-only'), map: { conv1: 'encoder' } } }, 'student.init.map.conv1'],
      [{ init: { recipe: recipeFile, checkpoint: join(dir, 'heads-only') } }, 'student.init.recipe'],
    ];
    for (const [student, field] of cases) {
      const err = await runExperiment(host, { ...config(student), outDir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, field).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe(field);
      expect((err as Error).message).not.toContain('\n');
    }
    expect(existsSync(outDir)).toBe(false);
  });
});

describe('student.init as a list of sources', () => {
  it('each source loads its mapped variables, bit for bit; one log line per source, then the coverage', async () => {
    const checkpoint = join(dir, 'heads-only'); // the run above: a recipe's encoder, its own head
    const lines: string[] = [];
    const runDir = join(dir, 'two-sources');
    const init = [
      { checkpoint, map: Object.fromEntries(['conv1', 'bn1', 'conv2', 'bn2'].map((m) => [m, m])) },
      { recipe: recipeFile, map: { fc: 'fc' } },
    ];
    const summary = await runExperiment(
      host,
      { ...config({ init, freeze: [...ENCODER, 'fc'] }), train: { ...config({}).train, epochs: 0 } },
      { runDir, log: (l) => lines.push(l) },
    );
    expect(summary.completed).toBe(true);
    expect(lines.filter((l) => l.startsWith('student: '))).toEqual([
      `student: 10 of 17 variables initialised from checkpoint ${join(checkpoint, 'student')} (student.init[0])`,
      `student: 2 of 17 variables initialised from recipe ${recipeFile} (student.init[1])`,
      'student: 12 of 17 variables initialised by 2 sources; not initialised: conv3.weight, bn3.gamma, bn3.beta, bn3.running_mean … (1 more)',
    ]);
    const [recipeDir] = readdirSync(join(dir, 'cache', 'recipes')).filter((d) => !d.endsWith('.lock'));
    const fromRecipe = values(join(dir, 'cache', 'recipes', recipeDir!, 'student'));
    const fromCheckpoint = values(join(checkpoint, 'student'));
    const after = values(join(runDir, 'student'));
    for (const k of Object.keys(after)) {
      const top = k.split('.')[0]!;
      if (top === 'fc') expect(after[k], k).toEqual(fromRecipe[k]);
      else if (['conv1', 'bn1', 'conv2', 'bn2'].includes(top)) expect(after[k], k).toEqual(fromCheckpoint[k]);
      else expect(after[k], k).not.toEqual(fromCheckpoint[k]); // conv3, bn3: seeded, from neither
    }
    // the heads-only run trained fc away from the recipe's: the two sources really differ there
    expect(fromCheckpoint['fc.weight']).not.toEqual(fromRecipe['fc.weight']);
  });

  it('a variable two sources load is a one-line ConfigError naming both, before anything is written', async () => {
    const outDir = join(dir, 'overlap');
    const checkpoint = join(dir, 'heads-only');
    const err = await runExperiment(host, {
      ...config({ init: [{ checkpoint, map: { conv1: 'conv1' } }, { recipe: recipeFile }] }),
      outDir,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe('student.init[1].map');
    expect((err as Error).message).toMatch(
      /the student's conv1\.weight would be initialised by two sources, student\.init\[0\] \(checkpoint .*\) and student\.init\[1\] \(recipe .*encoder-recipe\.yaml\)/,
    );
    expect((err as Error).message).not.toContain('\n');
    expect(existsSync(outDir)).toBe(false);
  });
});
