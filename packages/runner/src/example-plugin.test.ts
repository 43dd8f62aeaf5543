/**
 * The third-party plugin example (examples/kd-plugin-example, outside the workspaces) through the
 * real run path: compiled with tsc as its own `prepack` would, its built entry imported, registered
 * into a host with kd's own plugins, and its example config run (made tiny) — its dataset, its
 * LayersModel architecture as teacher and student, and its method.
 */
import { createHost, listArchitectures, listDatasets, listMethods, UserError, type PluginRegister } from '@kd/core';
import { register as registerModels } from '@kd/models';
import { register as registerTasks } from '@kd/tasks';
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from './config/load-config.js';
import { runExperiment } from './run.js';

const example = fileURLToPath(new URL('../../../examples/kd-plugin-example/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kd-example-plugin-'));

interface ExamplePlugin {
  register: PluginRegister;
}
let plugin: ExamplePlugin;

beforeAll(async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(example, 'tsconfig.json')], { stdio: 'pipe' });
  plugin = (await import(pathToFileURL(join(example, 'dist', 'index.js')).href)) as ExamplePlugin;
});

describe('the example third-party plugin @mylab/kd-plugin-example', () => {
  it('is a kd plugin package whose entry is the built dist', () => {
    const manifest = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: '@mylab/kd-plugin-example',
      kd: { plugin: true },
      exports: { '.': { default: './dist/index.js' } },
      files: ['dist'],
    });
    expect(typeof plugin.register).toBe('function');
  });

  const host = () =>
    createHost([
      { name: '@kd/models', register: registerModels },
      { name: '@kd/tasks', register: registerTasks },
      { name: '@mylab/kd-plugin-example', register: plugin.register },
    ]);
  /** example.yaml made tiny, with more `--set`s. */
  const tinyExample = (...sets: string[]) =>
    loadConfigFile(join(example, 'example.yaml'), [
      'backend=cpu',
      `cacheDir=${join(dir, 'cache')}`,
      'data.options.train=64',
      'data.options.val=32',
      'data.options.test=32',
      'teacher.options.width=4',
      'teacher.train.epochs=1',
      'student.options.width=2',
      'train.epochs=1',
      ...sets,
    ]);
  /** The distill stage's first epoch record of a run. */
  const distillEpoch = (runDir: string) =>
    readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((r) => r.type === 'epoch' && r.stage === 'distill');

  it("registers its method, architectures and dataset next to kd's own", () => {
    const h = host();
    expect(listMethods(h).map((m) => m.id)).toEqual(['logit-l2']);
    expect(listArchitectures(h).map((a) => a.id)).toEqual(
      expect.arrayContaining(['mylab-net', 'mylab-mlp', 'resnet8']),
    );
    expect(listDatasets(h).map((d) => d.id)).toEqual(['mylab-bars']);
  });

  it("runs its example config (made tiny): its dataset, its LayersModel as teacher and student, its method's term", async () => {
    const runDir = join(dir, 'run');
    const summary = await runExperiment(host(), tinyExample(), { runDir });
    expect(summary.completed).toBe(true);
    expect(summary.teachers[0]!.source).toBe('trained');
    expect(Number.isFinite(summary.student.test.last['accuracy'])).toBe(true);
    const epoch = distillEpoch(runDir);
    expect(Object.keys(epoch.train)).toEqual(expect.arrayContaining(['logit-l2.l2', 'task.ce']));
    for (const [term, value] of Object.entries(epoch.train as Record<string, number>))
      expect(Number.isFinite(value), term).toBe(true);
    expect(epoch.train['logit-l2.l2']).toBeGreaterThan(0);
    // the trained student is a kd model folder holding the LayersModel's weights by layer
    const manifest = JSON.parse(readFileSync(join(runDir, 'student', 'model.json'), 'utf8'));
    expect(manifest.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain('bn1.moving_mean');
  });

  it('its hand-written TappedModel trains as a student of the same (cached) teacher', async () => {
    const runDir = join(dir, 'run-mlp');
    const config = tinyExample('student.arch=mylab-mlp', 'student.options={hidden: 8}');
    const summary = await runExperiment(host(), config, { runDir });
    expect(summary.completed).toBe(true);
    expect(summary.teachers[0]!.source).toBe('cache');
    expect(Number.isFinite(summary.student.test.last['accuracy'])).toBe(true);
    expect(distillEpoch(runDir).train['logit-l2.l2']).toBeGreaterThan(0);
  });

  it("its method is the paper's ½‖s − t‖², summed over classes, mean over the batch", async () => {
    const { LogitL2Method } = (await import(pathToFileURL(join(example, 'dist', 'logit-l2.js')).href)) as {
      LogitL2Method: new () => { losses(step: object): Record<string, tf.Scalar> };
    };
    const s = tf.tensor2d([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const t = tf.tensor2d([
      [1, 0, 3],
      [1, 1, 1],
    ]);
    const l2 = new LogitL2Method().losses({ student: { logits: s }, teacher: { logits: t }, active: new Set(['l2']) })[
      'l2'
    ]!;
    expect(l2.dataSync()[0]).toBeCloseTo((0.5 * 4 + 0.5 * 3) / 2, 6);
    tf.dispose([s, t, l2]);
  });

  it("docs/own-model.md shows the example's files as they are", () => {
    const guide = readFileSync(join(example, '..', '..', 'docs', 'own-model.md'), 'utf8');
    const blocks = [...guide.matchAll(/```ts\n\/\/ (examples\/kd-plugin-example\/src\/[\w.-]+)\n([\s\S]*?)```/g)];
    expect(blocks.map((b) => b[1])).toEqual(
      ['mylab-net.ts', 'mylab-mlp.ts', 'index.ts'].map((f) => `examples/kd-plugin-example/src/${f}`),
    );
    for (const [, file, code] of blocks)
      expect(code, file).toBe(readFileSync(join(example, '..', '..', file!), 'utf8'));
  });

  it('registering it twice is a one-line error naming both', () => {
    const twice = () =>
      createHost([
        { name: '@mylab/kd-plugin-example', register: plugin.register },
        { name: './my-copy.js', register: plugin.register },
      ]);
    expect(twice).toThrow(UserError);
    expect(twice).toThrow(
      /^method 'logit-l2' is registered by two plugins, @mylab\/kd-plugin-example and \.\/my-copy\.js[^\n]*$/,
    );
  });
});
