import type { ComparedRun, RowUnit, RunComparison } from './compare-runs.js';

/** `kd compare --json`: each run with its values of the differing config paths and its metrics (fractions as fractions). */
export interface ComparisonJson {
  readonly runs: readonly (ComparedRun & {
    /** The run's value at each differing path; a path its config lacks is left out. */
    readonly config: Readonly<Record<string, unknown>>;
    /** The run's metrics by key (`student.test.last.accuracy`, `seconds`); a metric it lacks is left out. */
    readonly metrics: Readonly<Record<string, number>>;
  })[];
  /** The config paths that differ, `seed` first, in table order. */
  readonly configKeys: readonly string[];
  /** The metric keys in table order, with the table's title and their unit. */
  readonly metrics: readonly { readonly key: string; readonly title: string; readonly unit: RowUnit }[];
}

/** The comparison as data for scripts: per run rather than per row, absent values left out rather than null. */
export function comparisonJson(c: RunComparison): ComparisonJson {
  const present = <T>(entries: readonly (readonly [string, T | undefined])[]) =>
    Object.fromEntries(entries.filter((e): e is readonly [string, T] => e[1] !== undefined));
  return {
    runs: c.runs.map((run, i) => ({
      ...run,
      config: present(c.config.map((d) => [d.key, d.values[i]] as const)),
      metrics: present(c.metrics.map((m) => [m.key, m.values[i]] as const)),
    })),
    configKeys: c.config.map((d) => d.key),
    metrics: c.metrics.map(({ key, title, unit }) => ({ key, title, unit })),
  };
}
