import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG } from './chart-style.js';

/** A cell's bar: the mean over its seeds and the error bar (mean ± sample std; none for one seed). */
export interface MetricBar {
  readonly cell: string;
  readonly mean: number;
  readonly std?: number;
}

/** One seed's value, drawn as a dot on its cell's bar. */
export interface SeedValue {
  readonly cell: string;
  readonly seed: number;
  readonly value: number;
}

export interface MetricBarChartInput {
  readonly title: string;
  readonly subtitle?: string;
  readonly yTitle: string;
  /** The cells in table order (the x axis keeps it). */
  readonly cells: readonly string[];
  readonly bars: readonly MetricBar[];
  readonly seeds: readonly SeedValue[];
}

/**
 * The value axis: from a little below the lowest value (bar, error bar or seed) to a little above the
 * highest, so differences of a point between cells show; bars start at the axis's bottom, which the
 * subtitle says is not zero.
 */
function valueDomain(values: readonly number[]): [number, number] | undefined {
  if (values.length === 0) return undefined;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = hi > lo ? (hi - lo) * 0.25 : Math.abs(hi) * 0.05 || 1;
  const nice = (v: number) => Number(v.toPrecision(3));
  return [nice(lo - pad), nice(hi + pad)];
}

/**
 * One metric across a sweep's cells: a bar per cell at the mean over seeds, an error bar of ± one
 * sample standard deviation, and each seed as a dot, so the spread is seen and not only summarised.
 */
export function metricBarChart(input: MetricBarChartInput): TopLevelSpec {
  const bars = input.bars.filter((b) => Number.isFinite(b.mean));
  const errors = bars
    .filter((b) => b.std !== undefined && Number.isFinite(b.std))
    .map((b) => ({ cell: b.cell, lo: b.mean - b.std!, hi: b.mean + b.std! }));
  const seeds = input.seeds.filter((s) => Number.isFinite(s.value));
  const longNames = input.cells.some((c) => c.length > 12);
  const x = {
    field: 'cell',
    type: 'nominal' as const,
    title: 'cell',
    scale: { domain: [...input.cells] },
    sort: [...input.cells],
    axis: { labelAngle: longNames ? -30 : 0, labelLimit: 400 },
  };
  const domain = valueDomain([
    ...bars.map((b) => b.mean),
    ...errors.flatMap((e) => [e.lo, e.hi]),
    ...seeds.map((s) => s.value),
  ]);
  const y = (field: string) => ({
    field,
    type: 'quantitative' as const,
    title: input.yTitle,
    scale: domain ? { domain, zero: false, nice: false } : { zero: false },
  });
  return {
    config: CHART_CONFIG,
    width: { step: Math.max(48, Math.min(90, 480 / Math.max(1, input.cells.length))) },
    height: 220,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    layer: [
      {
        data: { values: bars.map((b) => ({ ...b })) },
        mark: { type: 'bar' as const, color: '#a9c4e0', width: { band: 0.7 } },
        encoding: { x, y: y('mean'), ...(domain ? { y2: { datum: domain[0] } } : {}) },
      },
      ...(errors.length
        ? [
            {
              data: { values: errors },
              mark: { type: 'rule' as const, color: '#333', strokeWidth: 1.5 },
              encoding: { x, y: y('lo'), y2: { field: 'hi' } },
            },
          ]
        : []),
      {
        data: { values: seeds.map((s) => ({ ...s })) },
        mark: { type: 'point' as const, filled: true, color: '#1f3b57', size: 36, opacity: 0.85 },
        encoding: { x, y: y('value') },
      },
    ],
  };
}
