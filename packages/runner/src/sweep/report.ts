import { cpus, platform, arch } from 'node:os';
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

export function machineDescription(): string {
  const cpu = cpus();
  return `${cpu[0]?.model?.trim() ?? 'unknown CPU'} × ${cpu.length} cores, ${platform()}/${arch()}, Node ${process.version}`;
}

/** An accuracy statistic in percent: `98.12 ± 0.15`, `98.12` for one seed, `—` for none. */
export function formatPercent(stat: Stat, digits = 2): string {
  if (stat.n === 0) return '—';
  const mean = (stat.mean * 100).toFixed(digits);
  return Number.isFinite(stat.std) ? `${mean} ± ${(stat.std * 100).toFixed(digits)}` : mean;
}

const COLUMNS: readonly { title: string; get: (r: CellResult) => string }[] = [
  { title: 'cell', get: (r) => `\`${r.cell}\`` },
  { title: 'seeds', get: (r) => String(r.seeds.length) },
  { title: 'student test % (last)', get: (r) => formatPercent(r.studentTestLast) },
  { title: 'student test % (best val)', get: (r) => formatPercent(r.studentTestBest) },
  { title: 'student val % (best)', get: (r) => formatPercent(r.studentValBest) },
  { title: 'teacher test %', get: (r) => formatPercent(r.teacherTest) },
  { title: 'time/run (s)', get: (r) => (r.seconds.n ? r.seconds.mean.toFixed(0) : '—') },
];

/** Class groups reported by any row (e.g. many, medium, few for a long-tailed dataset), in first-seen order. */
function groupNames(rows: readonly CellResult[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.studentTestGroups ?? {})))];
}

/** Metrics methods report besides the student (e.g. ffsd.ensemble), in first-seen order. */
function reportedNames(rows: readonly CellResult[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.reported ?? {})))];
}

const NO_STAT: Stat = { n: 0, mean: NaN, std: NaN };

/** The results table alone (GitHub markdown, columns padded for reading in a terminal). */
export function markdownTable(rows: readonly CellResult[]): string {
  const columns = [
    ...COLUMNS,
    ...groupNames(rows).map((g) => ({ title: `student test % ${g} (last)`, get: (r: CellResult) => formatPercent(r.studentTestGroups?.[g] ?? NO_STAT) })),
    ...reportedNames(rows).map((k) => ({ title: `${k} %`, get: (r: CellResult) => formatPercent(r.reported?.[k] ?? NO_STAT) })),
  ];
  const cells = [columns.map((c) => c.title), ...rows.map((r) => columns.map((c) => c.get(r)))];
  const widths = columns.map((_, j) => Math.max(3, ...cells.map((row) => row[j]!.length)));
  const line = (row: readonly string[]) => `| ${row.map((v, j) => (j === 0 ? v.padEnd(widths[j]!) : v.padStart(widths[j]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, j) => (j === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

/** results.md: a header stating how the numbers were made, then the table. */
export function resultsMarkdown(name: string, header: ReportHeader, rows: readonly CellResult[]): string {
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
    'Accuracies in percent. "last": after the final epoch; "best val": at the epoch with the best validation accuracy.',
    '',
  ].join('\n');
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const num = (v: number) => (Number.isFinite(v) ? String(+v.toFixed(6)) : '');

/** results.csv: one line per cell, accuracies as fractions (mean and sample std). */
export function resultsCsv(rows: readonly CellResult[]): string {
  const groups = groupNames(rows);
  const reported = reportedNames(rows);
  const stats = [
    'student_test_last',
    'student_test_best',
    'student_val_best',
    'teacher_test',
    'seconds',
    ...groups.map((g) => `student_test_${g}_last`),
    ...reported.map((k) => k),
  ];
  const header = ['cell', 'seeds', ...stats.flatMap((s) => [`${s}_mean`, `${s}_std`])];
  const lines = rows.map((r) => {
    const values = [r.studentTestLast, r.studentTestBest, r.studentValBest, r.teacherTest, r.seconds, ...groups.map((g) => r.studentTestGroups?.[g] ?? NO_STAT), ...reported.map((k) => r.reported?.[k] ?? NO_STAT)];
    return [csvField(r.cell), String(r.seeds.length), ...values.flatMap((s) => [num(s.mean), num(s.std)])].join(',');
  });
  return [header.join(','), ...lines].join('\n') + '\n';
}
