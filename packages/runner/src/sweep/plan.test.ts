import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGridArg } from './grid.js';
import { planSweep } from './plan.js';
import { deepMerge } from './raw-config.js';
import { parseVariantArg } from './variants.js';

const dir = mkdtempSync(join(tmpdir(), 'kd-sweep-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const base = write(
  'base.yaml',
  `name: base
data: { dataset: mnist, options: { trainSize: 256 } }
teacher: { arch: resnet8, train: { epochs: 1 } }
student: { arch: cnn, options: { width: 4 } }
train: { epochs: 2 }
methods:
  - id: kd
    weights: { soft: 0.9 }
`,
);
write('fitnet.yaml', 'methods:\n  - id: fitnet\n    hparams: { hintEpochs: 1 }\n');

describe('deepMerge', () => {
  it('merges mappings, replaces lists and scalars, removes keys set to null', () => {
    const a = { x: { y: 1, z: 2 }, l: [1, 2], t: { arch: 'r' } };
    expect(deepMerge(a, { x: { z: 3 }, l: [], t: null })).toEqual({ x: { y: 1, z: 3 }, l: [] });
    expect(a).toEqual({ x: { y: 1, z: 2 }, l: [1, 2], t: { arch: 'r' } });
  });
});

describe('planSweep', () => {
  it('expands grid × seeds into named cells with run folders <out>/<name>/<cell>/seed-<k>', () => {
    const plan = planSweep({
      configPath: base,
      grid: [parseGridArg('methods[0].weights.soft=0,0.9')],
      seeds: 2,
      out: join(dir, 'out'),
    });
    expect(plan.name).toBe('base');
    expect(plan.cells.map((c) => c.name)).toEqual(['methods[0].weights.soft=0', 'methods[0].weights.soft=0.9']);
    expect(plan.cells[0]!.config.methods[0]!.weights).toEqual({ soft: 0 });
    expect(plan.seeds).toEqual([1, 2]);
    expect(plan.runs.map((r) => r.runDir)).toEqual([
      join(dir, 'out', 'base', 'methods[0].weights.soft=0', 'seed-1'),
      join(dir, 'out', 'base', 'methods[0].weights.soft=0', 'seed-2'),
      join(dir, 'out', 'base', 'methods[0].weights.soft=0.9', 'seed-1'),
      join(dir, 'out', 'base', 'methods[0].weights.soft=0.9', 'seed-2'),
    ]);
    expect(plan.runs.map((r) => r.config.seed)).toEqual([1, 2, 1, 2]);
  });

  it('makes variants (file, inline, empty) the outer loop; --set and --backend apply to every cell', () => {
    const plan = planSweep({
      configPath: base,
      variants: [
        parseVariantArg('student={methods: [], teacher: null}'),
        parseVariantArg('kd={}'),
        parseVariantArg(`fitnet=${join(dir, 'fitnet.yaml')}`),
      ],
      grid: [parseGridArg('train.epochs=1,3')],
      sets: ['student.options.width=6'],
      backend: 'cpu',
      seeds: 3,
      seedStart: 10,
      name: 'cmp',
      out: join(dir, 'out'),
    });
    expect(plan.cells.map((c) => c.name)).toEqual([
      'student+train.epochs=1',
      'student+train.epochs=3',
      'kd+train.epochs=1',
      'kd+train.epochs=3',
      'fitnet+train.epochs=1',
      'fitnet+train.epochs=3',
    ]);
    const [student, , kd, , fitnet] = plan.cells;
    expect(student!.config.methods).toEqual([]);
    expect(student!.config.teacher).toBeUndefined();
    expect(kd!.config.methods.map((m) => m.id)).toEqual(['kd']);
    expect(fitnet!.config.methods.map((m) => m.id)).toEqual(['fitnet']);
    expect(fitnet!.config.teacher?.arch).toBe('resnet8');
    expect(plan.cells.every((c) => c.config.student.options.width === 6 && c.config.backend === 'cpu')).toBe(true);
    expect(plan.seeds).toEqual([10, 11, 12]);
    expect(plan.runs).toHaveLength(18);
    expect(plan.dir).toBe(join(dir, 'out', 'cmp'));
  });

  it('reads a sweep file: base relative to it, variants in order, its defaults overridable', () => {
    const sweepFile = write(
      'cmp.sweep.yaml',
      `sweep:
  base: base.yaml
  name: baselines
  seeds: 3
  variants:
    student: { methods: [] }
    kd: {}
    fitnet: fitnet.yaml
`,
    );
    const plan = planSweep({ configPath: sweepFile, out: join(dir, 'out') });
    expect(plan.name).toBe('baselines');
    expect(plan.basePath).toBe(join(dir, 'base.yaml'));
    expect(plan.cells.map((c) => c.name)).toEqual(['student', 'kd', 'fitnet']);
    expect(plan.seeds).toEqual([1, 2, 3]);
    expect(planSweep({ configPath: sweepFile, seeds: 1, name: 'quick' }).runs).toHaveLength(3);
  });

  it('rejects bad sweeps with the cell and field named, before anything runs', () => {
    expect(() => planSweep({ configPath: base, grid: [parseGridArg('train.epochz=1,2')] })).toThrow(
      /sweep cell 'train.epochz=1': config field 'train.epochz': unknown key/,
    );
    expect(() => planSweep({ configPath: base, grid: [parseGridArg('train.epochs=1,two')] })).toThrow(
      /sweep cell 'train.epochs=two': config field 'train.epochs'/,
    );
    expect(() => planSweep({ configPath: join(dir, 'missing.yaml') })).toThrow(/config file not found/);
    expect(() => parseVariantArg('x=nothere.yaml')).toThrow(/variant 'x' file not found: nothere.yaml/);
    expect(() => parseVariantArg('x=[1,2]')).toThrow(/neither a file nor a mapping/);
    expect(() => parseVariantArg('bad name={}')).toThrow(/variant name/);
    expect(() => planSweep({ configPath: base, variants: [parseVariantArg('a={}'), parseVariantArg('a={}')] })).toThrow(
      /given twice/,
    );
    const badRecipe = write('bad.sweep.yaml', 'sweep:\n  base: base.yaml\n  seed: 3\n');
    expect(() => planSweep({ configPath: badRecipe })).toThrow(/config field 'sweep.seed': unknown key/);
  });
});
