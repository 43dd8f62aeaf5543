import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG, CHART_SIZE, SERIES_COLORS } from './chart-style.js';

/** One point of a curve: a series' value at x, with an optional band (mean ± std over seeds). */
export interface CurvePoint {
  readonly x: number;
  readonly series: string;
  readonly y: number;
  readonly lo?: number;
  readonly hi?: number;
}

export interface CurveChartInput {
  readonly title: string;
  readonly subtitle?: string;
  readonly xTitle: string;
  readonly yTitle: string;
  /** The legend's title: what a series is (`term`, `metric`, `cell`, `stage`). */
  readonly seriesTitle: string;
  readonly points: readonly CurvePoint[];
  /** x counts epochs: whole-number ticks. */
  readonly integerX?: boolean;
  /** `auto`: a log scale for series orders of magnitude apart (losses); `linear` for a schedule's rate. */
  readonly yScale?: 'auto' | 'linear';
}

/**
 * A log scale when the series differ by orders of magnitude (a total loss of 50 beside a cross-entropy
 * of 0.5) and every value is positive; otherwise linear, not forced through zero.
 */
function wantsLogScale(points: readonly CurvePoint[]): boolean {
  const values = points.flatMap((p) => [p.y, ...(p.lo === undefined ? [] : [p.lo])]);
  if (values.length === 0 || values.some((v) => v <= 0)) return false;
  return Math.max(...values) / Math.min(...values) > 50;
}

/** Series longer than this are drawn without a dot per point (a per-step curve of a long run). */
const MAX_DOTTED = 60;

/**
 * Curves over epochs (or steps): one line per series with a dot at every point (a one-epoch stage is
 * a dot; series of more than MAX_DOTTED points are plain lines), and a shaded band where points carry
 * one (mean ± std over a cell's seeds). Series keep the colours of their first appearance; names are
 * data, never field names, so `task.ce` and `<script>` alike are shown as text.
 */

export function curveChart(input: CurveChartInput): TopLevelSpec {
  const perSeries = new Map<string, number>();
  for (const p of input.points) perSeries.set(p.series, (perSeries.get(p.series) ?? 0) + 1);
  const longest = Math.max(0, ...perSeries.values());
  const points = input.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const series = [...new Set(points.map((p) => p.series))];
  const log = input.yScale !== 'linear' && wantsLogScale(points);
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: input.seriesTitle,
    scale: { domain: series, range: [...SERIES_COLORS] },
    sort: series,
    // the band and the line share one legend; it shows the line's colour at full strength
    legend: { symbolType: 'circle', symbolOpacity: 1 },
  };
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: input.xTitle,
    scale: { zero: false, nice: false },
    axis: input.integerX ? { tickMinStep: 1, format: 'd' } : {},
  };
  const yScale = log ? { type: 'log' as const } : { zero: false };
  const banded = points.filter((p) => p.lo !== undefined && p.hi !== undefined && p.hi > p.lo);
  // a band over one x has no width: a series of one point (a one-epoch stage) shows its spread as an error bar
  const xsOf = (series: string) => new Set(points.filter((p) => p.series === series).map((p) => p.x)).size;
  const lone = banded.filter((p) => xsOf(p.series) === 1);
  return {
    config: CHART_CONFIG,
    ...CHART_SIZE,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    layer: [
      ...(banded.length
        ? [
            {
              data: { values: banded.map((p) => ({ ...p })) },
              mark: { type: 'area' as const, opacity: 0.18 },
              encoding: {
                x,
                y: { field: 'lo', type: 'quantitative' as const, title: input.yTitle, scale: yScale },
                y2: { field: 'hi' },
                color,
              },
            },
          ]
        : []),
      ...(lone.length
        ? [
            {
              data: { values: lone.map((p) => ({ ...p })) },
              mark: { type: 'rule' as const, strokeWidth: 1.5 },
              encoding: {
                x,
                y: { field: 'lo', type: 'quantitative' as const, title: input.yTitle, scale: yScale },
                y2: { field: 'hi' },
                color,
              },
            },
          ]
        : []),
      {
        data: { values: points.map((p) => ({ ...p })) },
        // a dot per point while they can be told apart (epochs, short runs); a plain line for per-step curves
        mark: { type: 'line' as const, point: longest <= MAX_DOTTED ? { size: 28 } : false, strokeWidth: 2 },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative' as const, title: input.yTitle, scale: yScale },
          color,
        },
      },
    ],
  };
}
