import type { MetricUnit } from '@kd/core';
import { aggregateCell, meanStd, metricColumns, type MetricColumn } from '@kd/runner';
import { curveChart, type CurvePoint } from './charts/curve-chart.js';
import { metricBarChart } from './charts/metric-bar-chart.js';
import { axisTitle, plotted } from './metric-units.js';
import { slug, type NamedChart } from './named-chart.js';
import { termLabel } from './run-charts.js';
import { stagesOf, type RunRecord } from './run-record.js';
import { finishedRuns, type SweepRecord } from './sweep-record.js';

/** The stage whose val metrics the table's "best val" columns come from: the student's distillation. */
const STUDENT_STAGE = 'distill';

/**
 * The teacher column is left out of the bar charts: every cell shares one teacher in a sweep, so its
 * bars would say nothing about the cells (the table still shows it).
 */
const NOT_CHARTED = new Set(['teacher_test']);

const seedsNote = (n: readonly number[]) =>
  n.length === 0 ? 'no finished runs' : `mean ± sample std over ${n.length === 1 ? '1 seed' : `${n.length} seeds`}`;

/** The unit a column's bar chart is drawn in: its rows' unit when they agree, else values as they are. */
function columnUnit(column: MetricColumn, sweep: SweepRecord): MetricUnit {
  const units = new Set(sweep.rows.filter((r) => column.get(r).n > 0).map((r) => column.unit(r)));
  return units.size === 1 ? [...units][0]! : 'score';
}

/** One bar chart per metric column of the results table: the mean per cell, ± std, each seed a dot. */
function barCharts(sweep: SweepRecord): NamedChart[] {
  return metricColumns(sweep.rows)
    .filter((c) => !NOT_CHARTED.has(c.csv) && sweep.rows.some((r) => c.get(r).n > 0))
    .map((column) => {
      const unit = columnUnit(column, sweep);
      const value = (v: number) => plotted(unit, v);
      const title = column.title.replace(/ %(?= |$)/, '');
      return {
        id: `bar-${slug(column.csv)}`,
        title,
        spec: metricBarChart({
          title,
          subtitle: 'mean ± sample std (n − 1) over seeds; dots: seeds; axis not from 0',
          yTitle: unit === 'fraction' ? '%' : 'value',
          cells: sweep.cells,
          bars: sweep.rows.map((r) => {
            const s = column.get(r);
            return { cell: r.cell, mean: value(s.mean), ...(Number.isFinite(s.std) ? { std: value(s.std) } : {}) };
          }),
          seeds: sweep.cells.flatMap((cell) =>
            finishedRuns(sweep, cell).map((run) => ({
              cell,
              seed: run.summary!.seed,
              value: value(column.get(aggregateCell(cell, [run.summary!])).mean),
            })),
          ),
        }),
      };
    });
}

/** Mean ± std over runs of `read` at each (series, epoch) the runs log; a band where two or more seeds have it. */
function meanCurves(
  runs: readonly RunRecord[],
  read: (run: RunRecord) => readonly { series: string; x: number; y: number }[],
): CurvePoint[] {
  const groups = new Map<string, { series: string; x: number; ys: number[] }>();
  for (const run of runs)
    for (const p of read(run)) {
      const key = JSON.stringify([p.series, p.x]);
      const g = groups.get(key) ?? groups.set(key, { series: p.series, x: p.x, ys: [] }).get(key)!;
      g.ys.push(p.y);
    }
  return [...groups.values()].map(({ series, x, ys }) => {
    const s = meanStd(ys);
    return Number.isFinite(s.std)
      ? { series, x, y: s.mean, lo: s.mean - s.std, hi: s.mean + s.std }
      : { series, x, y: s.mean };
  });
}

/** The student's primary val metric per epoch, one curve per cell (mean ± std over seeds). */
function valChart(sweep: SweepRecord): NamedChart[] {
  const primary = sweep.rows.find((r) => r.seeds.length > 0)?.primary;
  if (!primary || sweep.rows.some((r) => r.seeds.length > 0 && r.primary.name !== primary.name)) return [];
  const points = sweep.cells.flatMap((cell) =>
    meanCurves(finishedRuns(sweep, cell), (run) =>
      run.epochs
        .filter((e) => e.stage === STUDENT_STAGE && e.val[primary.name] !== undefined)
        .map((e) => ({ series: cell, x: e.epoch, y: plotted(primary.unit, e.val[primary.name]!) })),
    ),
  );
  if (points.length === 0) return [];
  const title = `student val ${primary.name} per epoch (${STUDENT_STAGE})`;
  return [
    {
      id: `val-${slug(primary.name)}`,
      title,
      spec: curveChart({
        title,
        subtitle: 'line: mean over seeds; band: ± sample std',
        xTitle: 'epoch',
        yTitle: axisTitle(primary.name, primary.unit),
        seriesTitle: 'cell',
        points,
        integerX: true,
      }),
    },
  ];
}

/**
 * Per cell and stage, every training term and the total per epoch, mean over seeds with a ± std band.
 * A teacher's own training stage (`<teacher>-train`) is left out: it runs in whichever run found the
 * teacher cache empty, not in every seed.
 */
function cellCurves(sweep: SweepRecord): NamedChart[] {
  return sweep.cells.flatMap((cell, i) => {
    const runs = finishedRuns(sweep, cell);
    const teacherStages = new Set(runs.flatMap((r) => (r.summary?.teachers ?? []).map((t) => `${t.name}-train`)));
    const stages = [...new Set(runs.flatMap((r) => stagesOf(r.epochs)))].filter((s) => !teacherStages.has(s));
    return stages.map((stage) => {
      const title = `${cell}: ${stage} training loss per epoch`;
      return {
        id: `cell-${String(i + 1).padStart(2, '0')}-${slug(cell)}-${slug(stage)}`,
        title,
        spec: curveChart({
          title,
          subtitle: `${seedsNote(runs.map((r) => r.summary!.seed))}; total weighted, terms unweighted`,
          xTitle: 'epoch',
          yTitle: 'loss',
          seriesTitle: 'term',
          points: meanCurves(runs, (run) =>
            run.epochs
              .filter((e) => e.stage === stage)
              .flatMap((e) => Object.entries(e.train).map(([term, y]) => ({ series: termLabel(term), x: e.epoch, y }))),
          ),
          integerX: true,
        }),
      };
    });
  });
}

/** The charts of a sweep: a bar chart per metric of the table, the val curves of all cells, each cell's loss curves. */
export function sweepCharts(sweep: SweepRecord): NamedChart[] {
  return [...barCharts(sweep), ...valChart(sweep), ...cellCurves(sweep)];
}
