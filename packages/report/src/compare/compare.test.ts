import type { MetricSpec } from '@kd/core';
import type { RunSummary } from '@kd/runner';
import { describe, expect, it } from 'vitest';
import { comparisonJson } from './compare-json.js';
import { compareRuns, metricRows } from './compare-runs.js';
import { configDifferences } from './config-differences.js';
import { formatComparison, formatConfigValue, formatRowValue, runLabels } from './compare-table.js';

const ACCURACY: MetricSpec = { name: 'accuracy', unit: 'fraction', higherIsBetter: true, description: 'top-1' };
const LOSS: MetricSpec = { name: 'loss', unit: 'score', higherIsBetter: false, description: 'cross-entropy' };

/** A classification summary: accuracy (primary) and loss; a teacher when `teacher` is given. */
function summary(seed: number, acc: { last: number; best: number; val: number }, teacher?: number): RunSummary {
  return {
    name: 'tiny',
    runDir: `r/seed-${seed}`,
    seed,
    backend: 'wasm',
    backendSummary: 'wasm',
    numerics: 'wasm/relaxed-simd',
    task: { id: 'classification', primary: 'accuracy', metrics: [ACCURACY, LOSS] },
    methods: ['kd'],
    weights: {},
    teachers:
      teacher === undefined
        ? []
        : [
            {
              name: 'teacher',
              arch: 'resnet8',
              params: 1,
              source: 'cache',
              path: 'p',
              metrics: { accuracy: teacher, loss: 0.3 },
            },
          ],
    student: {
      arch: 'cnn',
      params: 1,
      test: { last: { accuracy: acc.last, loss: 0.5 + seed }, best: { accuracy: acc.best, loss: 0.25 } },
      val: { best: { accuracy: acc.val, loss: 0.4 }, bestEpoch: seed + 1, last: { accuracy: acc.val } },
    },
    stages: [],
    seconds: 12.34 * seed,
    completed: true,
  };
}

const base = { seed: 1, outDir: 'sweeps', train: { epochs: 2, optimizer: { lr: 0.05 } }, methods: [{ id: 'kd' }] };

describe('configDifferences', () => {
  it('lists the seed first, then only the paths whose values differ, in the order of the configs', () => {
    const other = { ...base, seed: 2, train: { epochs: 2, optimizer: { lr: 0.1 } }, methods: [{ id: 'fitnet' }] };
    expect(configDifferences([base, other])).toEqual([
      { key: 'seed', values: [1, 2] },
      { key: 'train.optimizer.lr', values: [0.05, 0.1] },
      { key: 'methods[0].id', values: ['kd', 'fitnet'] },
    ]);
  });

  it('keeps the seed when it is equal too, and nothing else of equal configs', () => {
    expect(configDifferences([base, structuredClone(base), structuredClone(base)])).toEqual([
      { key: 'seed', values: [1, 1, 1] },
    ]);
  });

  it('shows a block some runs lack as one row when it is the same in the others, else its differing settings', () => {
    const teacher = { arch: 'resnet14', options: { width: 8 }, train: { epochs: 10 } };
    const student = { ...base, methods: [] };
    const kd = { ...base, teacher, methods: [{ id: 'kd', hparams: { T: 4 }, stages: {} }] };
    const fitnet = { ...base, teacher, methods: [{ id: 'fitnet', hparams: { hintEpochs: 1 }, stages: {} }] };
    expect(configDifferences([student, kd, fitnet])).toEqual([
      { key: 'seed', values: [1, 1, 1] },
      { key: 'methods[0].id', values: [undefined, 'kd', 'fitnet'] },
      { key: 'methods[0].hparams.T', values: [undefined, 4, undefined] },
      { key: 'methods[0].hparams.hintEpochs', values: [undefined, undefined, 1] },
      { key: 'methods[0].stages', values: [undefined, {}, {}] },
      { key: 'teacher', values: [undefined, teacher, teacher] },
    ]);
  });

  it('gives a plain value where others have a block its own row, and whole values of blocks of other shapes', () => {
    const a = { seed: 1, teacher: null, data: { options: [1] } };
    const b = { seed: 1, teacher: { arch: 'cnn' }, data: { options: { size: 2 } } };
    const c = { seed: 1, teacher: { arch: 'wrn' }, data: { options: [1] } };
    expect(configDifferences([a, b, c])).toEqual([
      { key: 'seed', values: [1, 1, 1] },
      { key: 'teacher', values: [null, undefined, undefined] },
      { key: 'teacher.arch', values: [undefined, 'cnn', 'wrn'] },
      { key: 'data.options', values: [[1], { size: 2 }, [1]] },
    ]);
  });
});

describe('metricRows', () => {
  it('orders primary (last, best val, val best), other test metrics, teacher, best epoch, time; a missing teacher is undefined', () => {
    const rows = metricRows([
      summary(1, { last: 0.9, best: 0.91, val: 0.92 }, 0.98),
      summary(2, { last: 0.8, best: 0.81, val: 0.82 }),
    ]);
    expect(rows.map((r) => [r.key, r.title, r.unit, r.values])).toEqual([
      ['student.test.last.accuracy', 'student test accuracy % (last)', 'fraction', [0.9, 0.8]],
      ['student.test.best.accuracy', 'student test accuracy % (best val)', 'fraction', [0.91, 0.81]],
      ['student.val.best.accuracy', 'student val accuracy % (best)', 'fraction', [0.92, 0.82]],
      ['student.test.last.loss', 'student test loss (last)', 'score', [1.5, 2.5]],
      ['student.test.best.loss', 'student test loss (best val)', 'score', [0.25, 0.25]],
      ['teachers.teacher.accuracy', 'teacher test accuracy %', 'fraction', [0.98, undefined]],
      ['teachers.teacher.loss', 'teacher test loss', 'score', [0.3, undefined]],
      ['student.val.bestEpoch', 'student best val epoch', 'epoch', [2, 3]],
      ['seconds', 'time (s)', 'seconds', [12.34, 24.68]],
    ]);
  });

  it("adds the methods' reported metrics, and leaves out rows no run has (null in JSON is no value)", () => {
    const a = { ...summary(1, { last: 0.9, best: 0.9, val: 0.9 }), reported: { 'ffsd.ensemble': 0.93 } };
    const b = summary(2, { last: 0.8, best: 0.8, val: 0.8 });
    const nulls = { ...b, student: { ...b.student, test: { ...b.student.test, last: { accuracy: null } } } };
    const rows = metricRows([a, nulls as unknown as RunSummary]);
    expect(rows.find((r) => r.key === 'reported.ffsd.ensemble')?.values).toEqual([0.93, undefined]);
    expect(rows.find((r) => r.key === 'student.test.last.accuracy')?.values).toEqual([0.9, undefined]);
    expect(rows.some((r) => r.key.startsWith('teachers.'))).toBe(false);
  });
});

describe('formatting', () => {
  it('labels runs by the shortest distinct tails of their folders', () => {
    expect(runLabels(['sweeps/s/kd/seed-1', 'sweeps/s/kd/seed-2'])).toEqual(['seed-1', 'seed-2']);
    expect(runLabels(['sweeps/s/kd/seed-1', 'sweeps/s/student/seed-1/'])).toEqual(['kd/seed-1', 'student/seed-1']);
    expect(runLabels(['runs/a', 'runs/a'])).toEqual(['#1 runs/a', '#2 runs/a']);
  });

  it('shows fractions in percent as the sweep tables do, scores as numbers, no value as —', () => {
    expect(formatRowValue('fraction', 0.9655)).toBe('96.55');
    expect(formatRowValue('score', 1.03421)).toBe('1.0342');
    expect(formatRowValue('seconds', 12.34)).toBe('12.3');
    expect(formatRowValue('epoch', 3)).toBe('3');
    expect(formatRowValue('fraction', undefined)).toBe('—');
  });

  it('shows config values as typed, quoting strings that would read as another value, cutting long ones', () => {
    expect(formatConfigValue('wasm')).toBe('wasm');
    expect(formatConfigValue('1')).toBe('"1"');
    expect(formatConfigValue('')).toBe('""');
    expect(formatConfigValue(0.1)).toBe('0.1');
    expect(formatConfigValue(null)).toBe('null');
    expect(formatConfigValue([])).toBe('[]');
    expect(formatConfigValue(undefined)).toBe('—');
    expect(formatConfigValue('x'.repeat(100))).toBe(`${'x'.repeat(47)}…`);
    expect(formatConfigValue({ arch: 'resnet14', options: { width: 8 } })).toBe('{"arch":"resnet14","opt…');
  });

  it('prints a legend and one table: config differences, then metrics, a column per run', () => {
    const c = compareRuns([
      { dir: 'sweeps/s/kd/seed-1', config: base, summary: summary(1, { last: 0.9, best: 0.91, val: 0.92 }, 0.98) },
      {
        dir: 'sweeps/s/kd/seed-2',
        config: { ...base, seed: 2, train: { epochs: 2, optimizer: { lr: 0.1 } } },
        summary: summary(2, { last: 0.8, best: 0.81, val: 0.82 }),
      },
    ]);
    expect(formatComparison(c)).toBe(
      [
        'runs',
        '  seed-1: sweeps/s/kd/seed-1  (tiny, seed 1, classification, wasm/relaxed-simd)',
        '  seed-2: sweeps/s/kd/seed-2  (tiny, seed 2, classification, wasm/relaxed-simd)',
        '',
        '                                       seed-1   seed-2',
        'config',
        '  seed                                      1        2',
        '  train.optimizer.lr                     0.05      0.1',
        'metrics',
        '  student test accuracy % (last)        90.00    80.00',
        '  student test accuracy % (best val)    91.00    81.00',
        '  student val accuracy % (best)         92.00    82.00',
        '  student test loss (last)             1.5000   2.5000',
        '  student test loss (best val)         0.2500   0.2500',
        '  teacher test accuracy %               98.00        —',
        '  teacher test loss                    0.3000        —',
        '  student best val epoch                    2        3',
        '  time (s)                               12.3     24.7',
        '',
      ].join('\n'),
    );
  });

  it('says so when the configs differ in nothing but (maybe) the seed', () => {
    const s = summary(1, { last: 0.9, best: 0.9, val: 0.9 });
    const text = formatComparison(
      compareRuns([
        { dir: 'a', config: base, summary: s },
        { dir: 'b', config: base, summary: s },
      ]),
    );
    expect(text).toMatch(/^config\n {2}seed +1 +1\n {2}\(no other differences\)\nmetrics$/m);
  });
});

describe('comparisonJson', () => {
  it('gives each run its differing config values and metrics (fractions as fractions), absent ones left out', () => {
    const c = compareRuns([
      { dir: 'a', config: base, summary: summary(1, { last: 0.9, best: 0.91, val: 0.92 }, 0.98) },
      { dir: 'b', config: { ...base, methods: [] }, summary: summary(2, { last: 0.8, best: 0.81, val: 0.82 }) },
    ]);
    const json = comparisonJson(c);
    expect(json.configKeys).toEqual(['seed', 'methods[0]']);
    expect(json.runs[0]).toMatchObject({
      dir: 'a',
      seed: 1,
      task: 'classification',
      config: { seed: 1, 'methods[0]': { id: 'kd' } },
    });
    expect(json.runs[1]!.config).toEqual({ seed: 1 });
    expect(json.runs[0]!.metrics['student.test.last.accuracy']).toBe(0.9);
    expect(json.runs[0]!.metrics['teachers.teacher.accuracy']).toBe(0.98);
    expect('teachers.teacher.accuracy' in json.runs[1]!.metrics).toBe(false);
    expect(json.metrics[0]).toEqual({
      key: 'student.test.last.accuracy',
      title: 'student test accuracy % (last)',
      unit: 'fraction',
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
