import { formatStat, meanStd } from '@kd/runner';
import type { RunComparison, RowUnit } from './compare-runs.js';

/** Longer config values are cut in the terminal table, a whole block shorter still (`--json` has them whole). */
const MAX_VALUE = 48;
const MAX_BLOCK = 24;

/**
 * Column headers for run folders: the shortest tails of their paths that tell them apart
 * (`kd/seed-1`, `student/seed-1`); numbered when two paths are the same.
 */
export function runLabels(dirs: readonly string[]): string[] {
  const parts = dirs.map((d) => d.split(/[\\/]+/).filter((p) => p !== '' && p !== '.'));
  const longest = Math.max(1, ...parts.map((p) => p.length));
  for (let n = 1; n <= longest; n++) {
    const labels = parts.map((p) => p.slice(-n).join('/') || '.');
    if (new Set(labels).size === labels.length) return labels;
  }
  return dirs.map((d, i) => `#${i + 1} ${d}`);
}

/** A number of a metric row as people read it: fractions in percent as in the sweep tables, `—` for none. */
export function formatRowValue(unit: RowUnit, value: number | undefined): string {
  if (value === undefined) return '—';
  if (unit === 'epoch') return String(value);
  if (unit === 'seconds') return value.toFixed(1);
  return formatStat(unit, meanStd([value]));
}

/** A config value as typed in a config file (a block as JSON): strings bare unless they would read as something else. */
export function formatConfigValue(value: unknown): string {
  if (value === undefined) return '—';
  const bare = typeof value === 'string' && /^\S(.*\S)?$/.test(value) && !/^(true|false|null|—|[-+.\d].*)$/.test(value);
  const text = bare ? (value as string) : JSON.stringify(value);
  const max = value !== null && typeof value === 'object' ? MAX_BLOCK : MAX_VALUE;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The terminal table: a legend naming each run (folder, run name, seed, task, numerics), then one
 * table with a column per run — the config paths that differ (and the seed), then the metrics.
 */
export function formatComparison(c: RunComparison): string {
  const labels = runLabels(c.runs.map((r) => r.dir));
  const legend = c.runs.map(
    (r, i) => `  ${labels[i]}: ${r.dir}  (${r.name}, seed ${r.seed}, ${r.task}, ${r.numerics})`,
  );
  type Line = { readonly head: string; readonly cells?: readonly string[] };
  const lines: Line[] = [
    { head: '', cells: labels },
    { head: 'config' },
    ...c.config.map((d) => ({ head: `  ${d.key}`, cells: d.values.map(formatConfigValue) })),
    ...(c.config.length === 1 ? [{ head: '  (no other differences)' }] : []),
    { head: 'metrics' },
    ...c.metrics.map((m) => ({ head: `  ${m.title}`, cells: m.values.map((v) => formatRowValue(m.unit, v)) })),
  ];
  const headWidth = Math.max(...lines.filter((l) => l.cells).map((l) => l.head.length));
  const widths = labels.map((_, j) => Math.max(...lines.map((l) => l.cells?.[j]?.length ?? 0)));
  const text = (l: Line) =>
    l.cells ? [l.head.padEnd(headWidth), ...l.cells.map((v, j) => v.padStart(widths[j]!))].join('   ') : l.head;
  return ['runs', ...legend, '', ...lines.map((l) => text(l).trimEnd())].join('\n') + '\n';
}
