import type { RunSummary } from '../run.js';

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

/** One row of the results table: a cell's accuracies over its seeds. */
export interface CellResult {
  readonly cell: string;
  readonly seeds: readonly number[];
  /** Student test accuracy after the last epoch. */
  readonly studentTestLast: Stat;
  /** Student test accuracy at the epoch with the best validation accuracy. */
  readonly studentTestBest: Stat;
  /** Best validation accuracy of the student. */
  readonly studentValBest: Stat;
  /** Test accuracy of the primary teacher (`teacher`), if the cell has one. */
  readonly teacherTest: Stat;
  /** Wall time of a run (this invocation or the one that finished it). */
  readonly seconds: Stat;
  /** Student test accuracy (last epoch) per class group, when the dataset declares groups. */
  readonly studentTestGroups?: Readonly<Record<string, Stat>>;
  /** The methods' own reported test metrics (`summary.reported`), e.g. FFSD's peers and ensemble. */
  readonly reported?: Readonly<Record<string, Stat>>;
}

/** Aggregates the finished runs of one cell. */
export function aggregateCell(cell: string, summaries: readonly RunSummary[]): CellResult {
  const pick = (f: (s: RunSummary) => number | undefined) => meanStd(summaries.map((s) => f(s) ?? NaN));
  return {
    cell,
    seeds: summaries.map((s) => s.seed),
    studentTestLast: pick((s) => s.student.test.last),
    studentTestBest: pick((s) => s.student.test.best),
    studentValBest: pick((s) => s.student.val.best),
    teacherTest: pick((s) => s.teachers.find((t) => t.name === 'teacher')?.test),
    seconds: pick((s) => s.seconds),
    ...groupStats(summaries),
    ...reportedStats(summaries),
  };
}

function reportedStats(summaries: readonly RunSummary[]): { reported?: Record<string, Stat> } {
  const names = [...new Set(summaries.flatMap((s) => Object.keys(s.reported ?? {})))];
  if (names.length === 0) return {};
  return { reported: Object.fromEntries(names.map((k) => [k, meanStd(summaries.map((s) => s.reported?.[k] ?? NaN))])) };
}

function groupStats(summaries: readonly RunSummary[]): { studentTestGroups?: Record<string, Stat> } {
  const names = [...new Set(summaries.flatMap((s) => Object.keys(s.student.testGroups?.last ?? {})))];
  if (names.length === 0) return {};
  return {
    studentTestGroups: Object.fromEntries(names.map((g) => [g, meanStd(summaries.map((s) => s.student.testGroups?.last[g] ?? NaN))])),
  };
}
