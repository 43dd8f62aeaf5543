import { describe, expect, it } from 'vitest';
import type { MetricSpec } from '@kd/core';
import { upgradeSummary, type RunSummary } from '../folder/run-summary.js';
import { aggregateCell, meanStd } from './aggregate.js';
import { formatPercent, markdownTable, resultsCsv, resultsMarkdown } from './report.js';

const ACCURACY: MetricSpec = { name: 'accuracy', unit: 'fraction', higherIsBetter: true, description: 'top-1' };

function summary(seed: number, last: number, best: number, val: number, teacher?: number): RunSummary {
  return {
    name: 'x',
    runDir: `r/seed-${seed}`,
    seed,
    backend: 'cpu',
    backendSummary: 'cpu',
    numerics: 'cpu',
    task: { id: 'classification', primary: 'accuracy', metrics: [ACCURACY] },
    methods: ['kd'],
    weights: {},
    teachers:
      teacher === undefined
        ? []
        : [{ name: 'teacher', arch: 'resnet8', params: 1, source: 'cache', path: 'p', metrics: { accuracy: teacher } }],
    student: {
      arch: 'cnn',
      params: 1,
      test: { last: { accuracy: last }, best: { accuracy: best } },
      val: { best: { accuracy: val }, bestEpoch: 1, last: { accuracy: val } },
    },
    stages: [],
    seconds: 10 * seed,
    completed: true,
  };
}

describe('aggregation', () => {
  it('computes the mean and the sample standard deviation (n − 1)', () => {
    const s = meanStd([0.9, 0.92, 0.94]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.92, 12);
    // deviations ±0.02, 0 → Σ = 0.0008; / (3 − 1) = 0.0004 → std 0.02 (population std would be 0.01633)
    expect(s.std).toBeCloseTo(0.02, 12);
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9]).std).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('has no std for one value and nothing for none; ignores non-finite values', () => {
    expect(meanStd([0.5])).toEqual({ n: 1, mean: 0.5, std: NaN });
    expect(meanStd([])).toEqual({ n: 0, mean: NaN, std: NaN });
    expect(meanStd([0.5, NaN, 0.7]).n).toBe(2);
  });

  it('aggregates a cell over seeds: student test last/best-by-val, val best, teacher test', () => {
    const r = aggregateCell('kd', [summary(1, 0.97, 0.975, 0.98, 0.99), summary(2, 0.98, 0.985, 0.99, 0.99)]);
    expect(r.seeds).toEqual([1, 2]);
    expect(r.studentTestLast.mean).toBeCloseTo(0.975, 12);
    expect(r.studentTestLast.std).toBeCloseTo(Math.sqrt(2 * 0.005 ** 2), 12);
    expect(r.studentTestBest.mean).toBeCloseTo(0.98, 12);
    expect(r.studentValBest.mean).toBeCloseTo(0.985, 12);
    expect(r.teacherTest).toMatchObject({ n: 2, mean: 0.99, std: 0 });
    expect(r.seconds.mean).toBe(15);
    expect(aggregateCell('student', [summary(1, 0.9, 0.9, 0.9)]).teacherTest.n).toBe(0);
  });

  it('a teacher the task did not judge (no metrics: a crop teacher under detection) is — in the tables', () => {
    const unjudged = (seed: number): RunSummary => ({
      ...summary(seed, 0.9, 0.9, 0.9),
      teachers: [
        { name: 'teacher', arch: 'crop-teacher', params: 1, source: 'init', path: 'p', unjudged: 'its model lacks …' },
      ],
    });
    const row = aggregateCell('vild', [unjudged(1), unjudged(2)]);
    expect(row.teacherTest.n).toBe(0);
    expect(formatPercent(row.teacherTest)).toBe('—');
    expect(markdownTable([row]).split('\n')[2]).toContain('—');
    const [header, line] = resultsCsv([row]).split('\n');
    const teacherMean = header!.split(',').indexOf('teacher_test_mean');
    expect(teacherMean).toBeGreaterThan(0);
    expect(line!.split(',')[teacherMean]).toBe('');
  });

  it("aggregates and tabulates the methods' reported metrics (e.g. FFSD's ensemble)", () => {
    const withReport = (seed: number, v: number): RunSummary => ({
      ...summary(seed, 0.9, 0.9, 0.9),
      reported: { 'ffsd.ensemble': v },
    });
    const rows = [
      aggregateCell('ffsd', [withReport(1, 0.91), withReport(2, 0.93)]),
      aggregateCell('student', [summary(1, 0.9, 0.9, 0.9)]),
    ];
    expect(rows[0]!.reported!['ffsd.ensemble']!.mean).toBeCloseTo(0.92, 12);
    expect(rows[1]!.reported).toBeUndefined();
    const table = markdownTable(rows).split('\n');
    expect(table[0]).toContain('ffsd.ensemble %');
    expect(table[2]).toContain('92.00 ± 1.41');
    expect(table[3]!.split('|').at(-3)!.trim()).toBe('—'); // the student cell has no ensemble
    const csv = resultsCsv(rows).split('\n');
    expect(csv[0]).toContain('ffsd.ensemble_mean');
    expect(csv[1]).toContain('0.92');
  });

  it('writes a markdown table, a header and a CSV', () => {
    const rows = [
      aggregateCell('kd', [summary(1, 0.97, 0.975, 0.98, 0.99), summary(2, 0.98, 0.985, 0.99, 0.99)]),
      aggregateCell('student', [summary(1, 0.9, 0.9, 0.9)]),
    ];
    expect(formatPercent(rows[0]!.studentTestLast)).toBe('97.50 ± 0.71');
    expect(formatPercent(rows[1]!.teacherTest)).toBe('—');
    const table = markdownTable(rows);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| cell +\| seeds \| student test accuracy % \(last\) \|/);
    expect(lines[2]).toContain('`kd`');
    expect(lines[2]).toContain('97.50 ± 0.71');
    expect(lines[3]).toContain('90.00');
    const md = resultsMarkdown(
      's',
      {
        command: 'kd sweep a.yaml --seeds 2',
        config: 'a.yaml',
        seeds: [1, 2],
        numerics: ['wasm/relaxed-simd'],
        machine: 'test box',
        date: new Date('2025-01-02T03:04:05Z'),
      },
      rows,
    );
    expect(md).toContain('- command: `kd sweep a.yaml --seeds 2`');
    expect(md).toContain('- seeds: 1, 2 (2 per cell; mean ± sample std, n − 1)');
    expect(md).toContain('- machine: test box');
    expect(md).toContain('- numerics: wasm/relaxed-simd (backend/kernel build');
    expect(md).toContain('- date: 2025-01-02 03:04 UTC');
    expect(md).toContain(table);
    const csv = resultsCsv(rows).trim().split('\n');
    expect(csv[0]).toBe(
      'cell,seeds,primary,student_test_last_mean,student_test_last_std,student_test_best_mean,student_test_best_std,student_val_best_mean,student_val_best_std,teacher_test_mean,teacher_test_std,seconds_mean,seconds_std',
    );
    expect(csv[1]).toBe('kd,2,accuracy,0.975,0.007071,0.98,0.007071,0.985,0.007071,0.99,0,15,7.071068');
    expect(csv[2]).toBe('student,1,accuracy,0.9,,0.9,,0.9,,,,10,');
  });

  it("carries the task's metrics with their units: a score is not a percentage", () => {
    const cider: MetricSpec = { name: 'CIDEr-D', unit: 'score', higherIsBetter: true, description: '' };
    const bleu: MetricSpec = { name: 'BLEU-4', unit: 'fraction', higherIsBetter: true, description: '' };
    const captioning = (seed: number, c: number, b: number): RunSummary => {
      const base = summary(seed, 0, 0, 0);
      return {
        ...base,
        task: { id: 'captioning', primary: 'CIDEr-D', metrics: [cider, bleu] },
        student: {
          ...base.student,
          test: { last: { 'CIDEr-D': c, 'BLEU-4': b }, best: { 'CIDEr-D': c, 'BLEU-4': b } },
          val: { best: { 'CIDEr-D': c }, bestEpoch: 1, last: { 'CIDEr-D': c } },
        },
      };
    };
    const rows = [aggregateCell('kd', [captioning(1, 1.1, 0.3), captioning(2, 1.3, 0.32)])];
    const [header, , row] = markdownTable(rows).split('\n');
    expect(header).toContain('| student test CIDEr-D (last) |');
    expect(header).toContain('| student test BLEU-4 % (last) |');
    expect(row).toContain('1.2000 ± 0.1414');
    expect(row).toContain('31.00 ± 1.41');
    expect(resultsCsv(rows).split('\n')[1]).toMatch(/^kd,2,CIDEr-D,1\.2,0\.141421,/);
  });

  it('reads the summaries of kd before tasks (accuracies as numbers) as classification metrics', () => {
    const old = {
      ...summary(1, 0, 0, 0),
      task: undefined,
      teachers: [{ name: 'teacher', arch: 'resnet8', params: 1, source: 'cache', path: 'p', test: 0.99 }],
      student: {
        arch: 'cnn',
        params: 1,
        test: { last: 0.9, best: 0.91 },
        testGroups: { last: { Many: 0.95, Few: 0.5 } },
        val: { best: 0.92, bestEpoch: 3, last: 0.9 },
      },
    };
    const s = upgradeSummary(old);
    expect(s.task.primary).toBe('accuracy');
    expect(s.student.test.last).toEqual({ accuracy: 0.9, 'accuracy.many': 0.95, 'accuracy.few': 0.5 });
    expect(s.student.val).toEqual({ best: { accuracy: 0.92 }, bestEpoch: 3, last: { accuracy: 0.9 } });
    expect(s.teachers[0]!.metrics).toEqual({ accuracy: 0.99 });
    const r = aggregateCell('old', [s]);
    expect([r.studentTestLast.mean, r.studentTestBest.mean, r.studentValBest.mean, r.teacherTest.mean]).toEqual([
      0.9, 0.91, 0.92, 0.99,
    ]);
  });
});
