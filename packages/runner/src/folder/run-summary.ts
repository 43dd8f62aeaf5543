import type { Metrics, MetricSpec } from '@kd/core';
import type { TeacherOutcome } from '../stages/teacher-stage.js';

/** What `summary.json` holds: how a finished (or stopped) run went. */
export interface RunSummary {
  readonly name: string;
  readonly runDir: string;
  readonly seed: number;
  readonly backend: string;
  /** One line: the backend, its details, and why the others were not used. */
  readonly backendSummary: string;
  /**
   * What decides the floating-point results besides config and seed (`wasm/relaxed-simd`, `cpu`, …):
   * equal config, seed and numerics give bit-identical results.
   */
  readonly numerics: string;
  /** The task the student was trained for and judged by: its metrics (name, unit, direction) and the primary one. */
  readonly task: { readonly id: string; readonly primary: string; readonly metrics: readonly MetricSpec[] };
  readonly methods: readonly string[];
  readonly weights: Readonly<Record<string, number>>;
  readonly teachers: readonly TeacherOutcome[];
  readonly student: {
    readonly arch: string;
    readonly params: number;
    /** Test metrics of the last weights and of the weights of the best epoch on val (by the primary metric). */
    readonly test: { readonly last: Metrics; readonly best: Metrics };
    /** Val metrics of the best epoch and of the last one. */
    readonly val: { readonly best: Metrics; readonly bestEpoch: number; readonly last: Metrics };
  };
  /** Further test metrics methods report (e.g. `ffsd.peer1`, `ffsd.ensemble`), by `<method>.<name>`. */
  readonly reported?: Readonly<Record<string, number>>;
  readonly stages: readonly { name: string; epochs: number; completed: boolean }[];
  /** Wall time of the run over all its processes: a resumed run counts its earlier processes' epochs. */
  readonly seconds: number;
  readonly completed: boolean;
}

/** The one metric the summaries of kd before tasks had: top-1 accuracy. */
const LEGACY_ACCURACY: MetricSpec = {
  name: 'accuracy',
  unit: 'fraction',
  higherIsBetter: true,
  description: 'top-1 accuracy',
};

interface LegacySummary {
  readonly student: {
    test: { last: number; best: number };
    testGroups?: { last: Record<string, number>; best?: Record<string, number> };
    val: { best: number; bestEpoch: number; last: number };
  };
  readonly teachers: readonly (Omit<TeacherOutcome, 'metrics'> & { test: number })[];
}

/**
 * A summary as this version writes it. Summaries of kd before tasks (classification only: a number
 * for each accuracy) are read as a classification task's metrics, so their sweeps still tabulate.
 */
export function upgradeSummary(raw: unknown): RunSummary {
  const s = raw as RunSummary & Partial<LegacySummary>;
  if (s.task && typeof s.student.test.last === 'object') return s;
  const old = raw as Omit<RunSummary, 'teachers' | 'student'> &
    LegacySummary & { student: { arch: string; params: number } };
  const groups = (g: Record<string, number> | undefined) =>
    Object.fromEntries(Object.entries(g ?? {}).map(([k, v]) => [`accuracy.${k.toLowerCase()}`, v]));
  return {
    ...old,
    task: { id: 'classification', primary: 'accuracy', metrics: [LEGACY_ACCURACY] },
    teachers: old.teachers.map(({ test, ...t }) => ({ ...t, metrics: { accuracy: test } })),
    student: {
      arch: old.student.arch,
      params: old.student.params,
      test: {
        last: { accuracy: old.student.test.last, ...groups(old.student.testGroups?.last) },
        best: { accuracy: old.student.test.best, ...groups(old.student.testGroups?.best) },
      },
      val: {
        best: { accuracy: old.student.val.best },
        bestEpoch: old.student.val.bestEpoch,
        last: { accuracy: old.student.val.last },
      },
    },
  };
}

/** The primary metric's value in a set of metrics (NaN when absent). */
export function primaryOf(summary: Pick<RunSummary, 'task'>, metrics: Metrics | undefined): number {
  return metrics?.[summary.task.primary] ?? NaN;
}
