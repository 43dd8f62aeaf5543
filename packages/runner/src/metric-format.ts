import type { MetricSpec, MetricUnit } from '@kd/core';

/** A metric's value as people read it: a fraction as a percentage (`96.60%`), a score as a number (`1.0342`). */
export function formatMetricValue(unit: MetricUnit, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return unit === 'fraction' ? `${(value * 100).toFixed(2)}%` : value.toFixed(4);
}

/** `accuracy 96.60%`, `CIDEr-D 1.0342`: a metric by its name and unit. */
export function formatMetric(spec: Pick<MetricSpec, 'name' | 'unit'>, value: number | undefined): string {
  return `${spec.name} ${formatMetricValue(spec.unit, value)}`;
}
