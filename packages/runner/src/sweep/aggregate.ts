import type { MetricSpec } from '@kd/core';
import { primaryOf, type RunSummary } from '../folder/run-summary.js';

/** Mean and sample standard deviation (n − 1) over seeds; `std` is NaN for fewer than two values. */
export interface Stat {
  readonly n: number;
  readonly mean: number;
  readonly std: number;
}

/** Mean ± sample standard deviation (Bessel's n − 1) of the finite values. */
export function meanStd(values: readonly number[]): Stat {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, std: NaN };
  const ss = xs.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { n, mean, std: Math.sqrt(ss / (n - 1)) };
}

/** One row of the results table: a cell's metrics over its seeds. */
export interface CellResult {
  readonly cell: string;
  readonly seeds: readonly number[];
  /** The task's primary metric (name, unit, direction), which heads the table. */
  readonly primary: MetricSpec;
  /** The student's primary metric on test after the last epoch. */
  readonly studentTestLast: Stat;
  /** … on test with the weights of the best epoch on val. */
  readonly studentTestBest: Stat;
  /** … on val at the best epoch. */
  readonly studentValBest: Stat;
  /** The primary metric of the primary teacher (`teacher`) on test, if the cell has one. */
  readonly teacherTest: Stat;
  /** Wall time of a run (this invocation or the one that finished it). */
  readonly seconds: Stat;
  /** The task's other test metrics of the student (last epoch), e.g. per class group, CF1, loss. */
  readonly testMetrics: Readonly<Record<string, { readonly spec: MetricSpec; readonly stat: Stat }>>;
  /** The methods' own reported test metrics (`summary.reported`, fractions), e.g. FFSD's peers and ensemble. */
  readonly reported?: Readonly<Record<string, Stat>>;
  /** Runs of the cell that failed (not in the statistics). */
  readonly failed?: number;
}

/** Aggregates the finished runs of one cell (their summaries as this version writes them). */
export function aggregateCell(cell: string, summaries: readonly RunSummary[], failed = 0): CellResult {
  const pick = (f: (s: RunSummary) => number | undefined) => meanStd(summaries.map((s) => f(s) ?? NaN));
  const task = summaries[0]?.task ?? { primary: 'accuracy', metrics: [] };
  const primary = task.metrics.find((m) => m.name === task.primary) ?? {
    name: task.primary,
    unit: 'fraction',
    higherIsBetter: true,
    description: '',
  };
  const others = task.metrics.filter((m) => m.name !== task.primary);
  return {
    cell,
    seeds: summaries.map((s) => s.seed),
    primary,
    studentTestLast: pick((s) => primaryOf(s, s.student.test.last)),
    studentTestBest: pick((s) => primaryOf(s, s.student.test.best)),
    studentValBest: pick((s) => primaryOf(s, s.student.val.best)),
    teacherTest: pick((s) => primaryOf(s, s.teachers.find((t) => t.name === 'teacher')?.metrics)),
    seconds: pick((s) => s.seconds),
    testMetrics: Object.fromEntries(
      others.map((m) => [m.name, { spec: m, stat: pick((s) => s.student.test.last[m.name]) }]),
    ),
    ...reportedStats(summaries),
    ...(failed ? { failed } : {}),
  };
}

function reportedStats(summaries: readonly RunSummary[]): { reported?: Record<string, Stat> } {
  const names = [...new Set(summaries.flatMap((s) => Object.keys(s.reported ?? {})))];
  if (names.length === 0) return {};
  return { reported: Object.fromEntries(names.map((k) => [k, meanStd(summaries.map((s) => s.reported?.[k] ?? NaN))])) };
}
