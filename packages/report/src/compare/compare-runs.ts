import type { Metrics, MetricSpec, MetricUnit } from '@kd/core';
import type { RunSummary } from '@kd/runner';
import type { FinishedRun } from './finished-run.js';
import { configDifferences, type ConfigDifference } from './config-differences.js';

/** How a metric row's numbers read: a task metric by its unit, or an epoch number, or seconds. */
export type RowUnit = MetricUnit | 'epoch' | 'seconds';

/** One metric of every run (`undefined`: the run has no such metric, e.g. no teacher). */
export interface MetricRow {
  /** Where the number is in summary.json, dotted: `student.test.last.accuracy`, `teachers.teacher.loss`. */
  readonly key: string;
  /** As a column of the sweep table says it: `student test accuracy % (last)`. */
  readonly title: string;
  readonly unit: RowUnit;
  readonly values: readonly (number | undefined)[];
}

/** What a comparison names each run by. */
export interface ComparedRun {
  readonly dir: string;
  readonly name: string;
  readonly seed: number;
  readonly task: string;
  /** Equal numerics (and config and seed) give equal numbers; different numerics explain small differences. */
  readonly numerics: string;
}

/** Runs side by side: where their configs differ (and their seeds), and their metrics. */
export interface RunComparison {
  readonly runs: readonly ComparedRun[];
  /** `seed` first (always, also when equal), then every path whose value differs, in the order the configs list them. */
  readonly config: readonly ConfigDifference[];
  readonly metrics: readonly MetricRow[];
}

/** Compares finished runs: config differences (as flattened `--set` paths) and metrics from their summaries. */
export function compareRuns(runs: readonly FinishedRun[]): RunComparison {
  return {
    runs: runs.map(({ dir, summary: s }) => ({
      dir,
      name: s.name,
      seed: s.seed,
      task: s.task.id,
      numerics: s.numerics,
    })),
    config: configDifferences(runs.map((r) => r.config)),
    metrics: metricRows(runs.map((r) => r.summary)),
  };
}

/** A column title for a metric: its name and, for a fraction, `%` (as in the sweep tables). */
const titled = (spec: Pick<MetricSpec, 'name' | 'unit'>) => (spec.unit === 'fraction' ? `${spec.name} %` : spec.name);

/**
 * The metric rows, in the order of the sweep table: the primary metric (student test last, test at best
 * val, val best), the task's other test metrics (last, best val), every teacher's test metrics, the
 * methods' reported metrics, then the best epoch and the run's time. Rows no run has are left out.
 */
export function metricRows(summaries: readonly RunSummary[]): MetricRow[] {
  const primaries = uniqueSpecs(summaries.map(primarySpec));
  const others = uniqueSpecs(summaries.flatMap((s) => s.task.metrics)).filter(
    (m) => !primaries.some((p) => p.name === m.name),
  );
  const specs = [...primaries, ...others];
  const row = (key: string, title: string, unit: RowUnit, get: (s: RunSummary) => number | undefined): MetricRow => ({
    key,
    title,
    unit,
    values: summaries.map((s) => finite(get(s))),
  });
  const ofMetric = (where: (s: RunSummary) => Metrics | undefined, m: MetricSpec) => (s: RunSummary) =>
    where(s)?.[m.name];
  const teacherNames = [...new Set(summaries.flatMap((s) => s.teachers.map((t) => t.name)))];
  const teacher = (name: string) => (s: RunSummary) => s.teachers.find((t) => t.name === name)?.metrics;
  const reported = [...new Set(summaries.flatMap((s) => Object.keys(s.reported ?? {})))];
  /** The student's rows of a metric: test at the last epoch and at the best val epoch, and (primary) val best. */
  const studentRows = (m: MetricSpec, withVal: boolean) => [
    row(
      `student.test.last.${m.name}`,
      `student test ${titled(m)} (last)`,
      m.unit,
      ofMetric((s) => s.student.test.last, m),
    ),
    row(
      `student.test.best.${m.name}`,
      `student test ${titled(m)} (best val)`,
      m.unit,
      ofMetric((s) => s.student.test.best, m),
    ),
    ...(withVal
      ? [
          row(
            `student.val.best.${m.name}`,
            `student val ${titled(m)} (best)`,
            m.unit,
            ofMetric((s) => s.student.val.best, m),
          ),
        ]
      : []),
  ];
  const rows = [
    ...primaries.flatMap((m) => studentRows(m, true)),
    ...others.flatMap((m) => studentRows(m, false)),
    ...teacherNames.flatMap((name) =>
      specs.map((m) =>
        row(`teachers.${name}.${m.name}`, `${name} test ${titled(m)}`, m.unit, ofMetric(teacher(name), m)),
      ),
    ),
    ...reported.map((k) => row(`reported.${k}`, `${k} %`, 'fraction', (s) => s.reported?.[k])),
    row('student.val.bestEpoch', 'student best val epoch', 'epoch', (s) => s.student.val.bestEpoch),
    row('seconds', 'time (s)', 'seconds', (s) => s.seconds),
  ];
  return rows.filter((r) => r.values.some((v) => v !== undefined));
}

/** A number as a comparison holds it: absent, `null` (how JSON stores NaN) and ±∞ are no value. */
const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The task's primary metric of a summary, with its unit (a fraction when the summary does not list it). */
function primarySpec(s: RunSummary): MetricSpec {
  return (
    s.task.metrics.find((m) => m.name === s.task.primary) ?? {
      name: s.task.primary,
      unit: 'fraction',
      higherIsBetter: true,
      description: '',
    }
  );
}

/** Metric specs by name, first seen first. */
function uniqueSpecs(specs: readonly MetricSpec[]): MetricSpec[] {
  const seen = new Map<string, MetricSpec>();
  for (const m of specs) if (!seen.has(m.name)) seen.set(m.name, m);
  return [...seen.values()];
}
