import { cpus, platform, arch } from 'node:os';
import type { MetricSpec, MetricUnit } from '@kd/core';
import type { CellResult, Stat } from './aggregate.js';

/** What the header of results.md states. */
export interface ReportHeader {
  readonly command: string;
  readonly config: string;
  readonly seeds: readonly number[];
  /** The numerics of the runs (`wasm/relaxed-simd`, …): what makes the numbers bit-reproducible. */
  readonly numerics: readonly string[];
  readonly machine?: string;
  readonly date?: Date;
}

/** A chart written beside results.md, linked from it (`file` relative to the sweep folder). */
export interface ChartLink {
  readonly title: string;
  readonly file: string;
}

/** A run of the sweep that failed, with its one-line reason. */
export interface RunFailure {
  readonly cell: string;
  readonly seed: number;
  readonly runDir: string;
  readonly error: string;
}

/** What results.md shows below the table. */
export interface ResultsExtras {
  readonly failures?: readonly RunFailure[];
  readonly charts?: readonly ChartLink[];
}

export function machineDescription(): string {
  const cpu = cpus();
  return `${cpu[0]?.model?.trim() ?? 'unknown CPU'} × ${cpu.length} cores, ${platform()}/${arch()}, Node ${process.version}`;
}

/** A fraction statistic in percent: `98.12 ± 0.15`, `98.12` for one seed, `—` for none. */
export function formatPercent(stat: Stat, digits = 2): string {
  if (stat.n === 0) return '—';
  const mean = (stat.mean * 100).toFixed(digits);
  return Number.isFinite(stat.std) ? `${mean} ± ${(stat.std * 100).toFixed(digits)}` : mean;
}

/** A statistic of a metric as people read it: a fraction in percent, a score on its own scale. */
export function formatStat(unit: MetricUnit, stat: Stat): string {
  if (unit === 'fraction') return formatPercent(stat);
  if (stat.n === 0) return '—';
  return Number.isFinite(stat.std) ? `${stat.mean.toFixed(4)} ± ${stat.std.toFixed(4)}` : stat.mean.toFixed(4);
}

/** A column title for a metric: its name and, for a fraction, `%`. */
const titled = (name: string, unit: MetricUnit) => (unit === 'fraction' ? `${name} %` : name);

/** Metrics of the task besides the primary one, in first-seen order, with their specs. */
function otherMetrics(rows: readonly CellResult[]): MetricSpec[] {
  const seen = new Map<string, MetricSpec>();
  for (const r of rows)
    for (const { spec } of Object.values(r.testMetrics)) if (!seen.has(spec.name)) seen.set(spec.name, spec);
  return [...seen.values()];
}

/** Metrics methods report besides the student (e.g. ffsd.ensemble), in first-seen order. */
function reportedNames(rows: readonly CellResult[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.reported ?? {})))];
}

const NO_STAT: Stat = { n: 0, mean: NaN, std: NaN };

/** One metric column of the results table (also a bar chart of the sweep report, `@kd/report`). */
export interface MetricColumn {
  /** The header in results.md (`student test accuracy % (last)`). */
  readonly title: string;
  /** The column's name in results.csv (`student_test_last`). */
  readonly csv: string;
  readonly get: (r: CellResult) => Stat;
  /** How the row's value reads: a fraction in percent, a score as a number. */
  readonly unit: (r: CellResult) => MetricUnit;
}

/**
 * The table's metric columns: the primary metric (test last, test at best val, val best, teacher), the
 * task's others, the methods' reports. results.md, results.csv and the sweep report's charts all take
 * their columns from here, so they show the same metrics.
 */
export function metricColumns(rows: readonly CellResult[]): MetricColumn[] {
  const p = rows[0]?.primary ?? { name: 'accuracy', unit: 'fraction' as const };
  // when cells differ in task, each row shows its own primary metric, named in a column of its own
  const mixed = rows.some((r) => r.primary.name !== p.name);
  const name = mixed ? 'primary' : p.name;
  const metric = titled(name, mixed ? 'score' : p.unit);
  const primary = (title: string, csv: string, get: (r: CellResult) => Stat): MetricColumn => ({
    title,
    csv,
    get,
    unit: (r) => r.primary.unit,
  });
  return [
    primary(`student test ${metric} (last)`, 'student_test_last', (r) => r.studentTestLast),
    primary(`student test ${metric} (best val)`, 'student_test_best', (r) => r.studentTestBest),
    primary(`student val ${metric} (best)`, 'student_val_best', (r) => r.studentValBest),
    primary(`teacher test ${metric}`, 'teacher_test', (r) => r.teacherTest),
    ...otherMetrics(rows).map((m) => ({
      title: `student test ${titled(m.name, m.unit)} (last)`,
      csv: `student_test_${m.name}_last`,
      get: (r: CellResult) => r.testMetrics[m.name]?.stat ?? NO_STAT,
      unit: () => m.unit,
    })),
    ...reportedNames(rows).map((k) => ({
      title: `${k} %`,
      csv: k,
      get: (r: CellResult) => r.reported?.[k] ?? NO_STAT,
      unit: () => 'fraction' as const,
    })),
  ];
}

/** The results table as text: the header and one row per cell, the cell's name (as it is) first. */
export interface ResultsTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** The results table's text, from one place for each of its forms (results.md, the terminal, the HTML report). */
export function resultsTable(rows: readonly CellResult[]): ResultsTable {
  const mixed = rows.some((r) => r.primary.name !== rows[0]!.primary.name);
  const columns: { title: string; get: (r: CellResult) => string }[] = [
    { title: 'cell', get: (r) => r.cell },
    { title: 'seeds', get: (r) => String(r.seeds.length) },
    ...(mixed ? [{ title: 'primary', get: (r: CellResult) => titled(r.primary.name, r.primary.unit) }] : []),
    ...metricColumns(rows).map((c) => ({ title: c.title, get: (r: CellResult) => formatStat(c.unit(r), c.get(r)) })),
    { title: 'time/run (s)', get: (r) => (r.seconds.n ? r.seconds.mean.toFixed(0) : '—') },
    ...(rows.some((r) => r.failed) ? [{ title: 'failed', get: (r: CellResult) => String(r.failed ?? 0) }] : []),
  ];
  return { header: columns.map((c) => c.title), rows: rows.map((r) => columns.map((c) => c.get(r))) };
}

/** The results table alone (GitHub markdown, columns padded for reading in a terminal). */
export function markdownTable(rows: readonly CellResult[]): string {
  const table = resultsTable(rows);
  const cells = [table.header, ...table.rows.map(([cell, ...rest]) => [`\`${cell}\``, ...rest])];
  const widths = table.header.map((_, j) => Math.max(3, ...cells.map((row) => row[j]!.length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((v, j) => (j === 0 ? v.padEnd(widths[j]!) : v.padStart(widths[j]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, j) => (j === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

/** results.md: a header stating how the numbers were made, then the table. */
export function resultsMarkdown(
  name: string,
  header: ReportHeader,
  rows: readonly CellResult[],
  extras: ResultsExtras = {},
): string {
  const date = (header.date ?? new Date()).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return [
    `# Sweep \`${name}\``,
    '',
    `- command: \`${header.command}\``,
    `- config: \`${header.config}\``,
    `- seeds: ${header.seeds.join(', ')} (${header.seeds.length} per cell; mean ± sample std, n − 1)`,
    `- machine: ${header.machine ?? machineDescription()}`,
    `- numerics: ${header.numerics.length ? header.numerics.join(', ') : 'unknown'} (backend/kernel build; same config, seed and numerics give the same numbers)`,
    `- date: ${date}`,
    '',
    markdownTable(rows),
    '',
    'Fractions (accuracy, mAP, …) in percent, scores as numbers. "last": after the final epoch; "best val": with the weights of the epoch whose validation value of the primary metric was best.',
    '',
    ...failureLines(extras.failures ?? []),
    ...(extras.charts?.length
      ? ['## Plots', '', ...extras.charts.flatMap((c) => [`![${c.title}](${c.file})`, ''])]
      : []),
  ].join('\n');
}

/** The failed runs, each with its reason: the table's cells average the others only. */
function failureLines(failures: readonly RunFailure[]): string[] {
  if (failures.length === 0) return [];
  return [
    `## Failed runs (${failures.length})`,
    '',
    'Not in the means above; run the same kd sweep command again to retry them.',
    '',
    ...failures.map((f) => `- \`${f.cell}\` seed ${f.seed} (\`${f.runDir}\`): ${f.error.replace(/\s+/g, ' ')}`),
    '',
  ];
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const num = (v: number) => (Number.isFinite(v) ? String(+v.toFixed(6)) : '');

/** results.csv: one line per cell, metrics as they are (fractions as fractions; mean and sample std). */
export function resultsCsv(rows: readonly CellResult[]): string {
  const columns = metricColumns(rows);
  const failed = rows.some((r) => r.failed);
  const header = [
    'cell',
    'seeds',
    'primary',
    ...[...columns.map((c) => c.csv), 'seconds'].flatMap((s) => [`${s}_mean`, `${s}_std`]),
    ...(failed ? ['failed'] : []),
  ];
  const lines = rows.map((r) => {
    const values = [...columns.map((c) => c.get(r)), r.seconds];
    return [
      csvField(r.cell),
      String(r.seeds.length),
      r.primary.name,
      ...values.flatMap((s) => [num(s.mean), num(s.std)]),
      ...(failed ? [String(r.failed ?? 0)] : []),
    ].join(',');
  });
  return [header.join(','), ...lines].join('\n') + '\n';
}
