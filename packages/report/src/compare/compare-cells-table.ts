import { formatStat, type Stat } from '@kd/runner';
import type { CellComparison, PairedStat } from './compare-cells.js';
import type { RowUnit } from './compare-runs.js';
import { formatConfigValue, runLabels } from './compare-table.js';

/** The digits a unit is shown with (fractions in percent points). */
const scaled = (unit: RowUnit, v: number): number => (unit === 'fraction' ? v * 100 : v);
const digits = (unit: RowUnit): number => (unit === 'fraction' ? 2 : unit === 'score' ? 4 : 1);

/** A metric over a cell's seeds: `93.68 ± 0.01` (fractions in percent), the mean alone for one seed, `—` for none. */
export function formatCellStat(unit: RowUnit, stat: Stat): string {
  if (unit === 'fraction' || unit === 'score') return formatStat(unit, stat);
  if (stat.n === 0) return '—';
  const d = digits(unit);
  return Number.isFinite(stat.std) ? `${stat.mean.toFixed(d)} ± ${stat.std.toFixed(d)}` : stat.mean.toFixed(d);
}

/**
 * A paired difference, signed: `+0.42 ± 0.05` (fractions in percent points); `(n=2)` appended when it
 * pairs fewer seeds than `expected` (a value missing from some run); `—` when no seed pairs.
 */
export function formatPaired(unit: RowUnit, p: PairedStat | undefined, expected: number): string {
  if (!p || p.n === 0) return '—';
  const d = digits(unit);
  const mean = scaled(unit, p.mean);
  const signed = `${mean >= 0 ? '+' : '−'}${Math.abs(mean).toFixed(d)}`;
  const spread = Number.isFinite(p.std) ? ` ± ${scaled(unit, p.std).toFixed(d)}` : '';
  return `${signed}${spread}${p.n < expected ? ` (n=${p.n})` : ''}`;
}

/** The seeds two cells share. */
const shared = (a: readonly number[], b: readonly number[]) => a.filter((s) => b.includes(s));

/**
 * The terminal table: a legend naming each cell (folder, run name, seeds, unfinished seeds, numerics),
 * then a column per cell, each later cell followed by its paired difference to the first (`Δ b−a`):
 * the config paths that differ, then every metric as mean ± std over the seeds.
 */
export function formatCellComparison(c: CellComparison): string {
  const labels = runLabels(c.cells.map((x) => x.dir));
  const base = labels[0]!;
  const first = c.cells[0]!;
  const legend = c.cells.map((x, i) => {
    const unfinished = x.unfinished.length ? `; unfinished: seed ${x.unfinished.join(', ')}` : '';
    return `  ${labels[i]}: ${x.dir}  (${x.name}, seeds ${x.seeds.join(' ')}${unfinished}; ${x.numerics.join(', ')})`;
  });
  const pairing = c.cells.slice(1).map((x, i) => {
    const seeds = shared(x.seeds, first.seeds);
    return `  Δ ${labels[i + 1]}−${base}: paired over seeds ${seeds.length ? seeds.join(' ') : '(none in common)'}`;
  });
  const heads = labels.flatMap((l, j) => (j === 0 ? [l] : [l, `Δ ${l}−${base}`]));
  type Line = { readonly head: string; readonly cells?: readonly string[] };
  const lines: Line[] = [
    { head: '', cells: heads },
    { head: 'config' },
    ...c.config.map((d) => ({
      head: `  ${d.key}`,
      cells: d.values.flatMap((v, j) => (j === 0 ? [formatConfigValue(v)] : [formatConfigValue(v), ''])),
    })),
    ...(c.config.length === 0 ? [{ head: '  (no differences but the seeds)' }] : []),
    { head: 'metrics (mean ± std over the seeds)' },
    ...c.metrics.map((m) => ({
      head: `  ${m.title}`,
      cells: m.stats.flatMap((s, j) =>
        j === 0
          ? [formatCellStat(m.unit, s)]
          : [
              formatCellStat(m.unit, s),
              formatPaired(m.unit, m.paired[j], shared(c.cells[j]!.seeds, first.seeds).length),
            ],
      ),
    })),
  ];
  const headWidth = Math.max(...lines.filter((l) => l.cells).map((l) => l.head.length));
  const widths = heads.map((_, j) => Math.max(...lines.map((l) => l.cells?.[j]?.length ?? 0)));
  const text = (l: Line) =>
    l.cells ? [l.head.padEnd(headWidth), ...l.cells.map((v, j) => v.padStart(widths[j]!))].join('   ') : l.head;
  return ['cells', ...legend, ...pairing, '', ...lines.map((l) => text(l).trimEnd())].join('\n') + '\n';
}

/** `kd compare --json` of cells: per cell its seeds, config values and statistics (fractions as fractions). */
export interface CellComparisonJson {
  readonly cells: readonly {
    readonly dir: string;
    readonly name: string;
    readonly seeds: readonly number[];
    readonly unfinished: readonly number[];
    readonly numerics: readonly string[];
    /** The cell's value at each differing config path; a path its config lacks is left out. */
    readonly config: Readonly<Record<string, unknown>>;
    /** By metric key: mean, std (null for one seed), n, and for a later cell its paired difference to the first. */
    readonly metrics: Readonly<
      Record<
        string,
        {
          mean: number;
          std: number | null;
          n: number;
          paired?: { mean: number; std: number | null; n: number; seeds: readonly number[] };
        }
      >
    >;
  }[];
  readonly configKeys: readonly string[];
  readonly metrics: readonly { readonly key: string; readonly title: string; readonly unit: RowUnit }[];
}

/** The cell comparison as data for scripts: per cell rather than per row; absent values left out. */
export function cellComparisonJson(c: CellComparison): CellComparisonJson {
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    cells: c.cells.map((cell, i) => ({
      ...cell,
      config: Object.fromEntries(c.config.filter((d) => d.values[i] !== undefined).map((d) => [d.key, d.values[i]])),
      metrics: Object.fromEntries(
        c.metrics
          .filter((m) => m.stats[i]!.n > 0)
          .map((m) => {
            const s = m.stats[i]!;
            const p = m.paired[i];
            return [
              m.key,
              {
                mean: s.mean,
                std: finite(s.std),
                n: s.n,
                ...(p && p.n > 0 ? { paired: { mean: p.mean, std: finite(p.std), n: p.n, seeds: p.seeds } } : {}),
              },
            ];
          }),
      ),
    })),
    configKeys: c.config.map((d) => d.key),
    metrics: c.metrics.map(({ key, title, unit }) => ({ key, title, unit })),
  };
}
