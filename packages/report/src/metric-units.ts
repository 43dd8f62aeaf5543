import type { MetricUnit } from '@kd/core';
import type { RunSummary } from '@kd/runner';

/**
 * A metric's unit from the run's task (summary.json): a fraction is shown in percent, like the
 * tables. A metric the summary does not declare (or a run without a summary yet) is shown as the
 * number it is, not guessed to be a fraction.
 */
export function unitOf(summary: Pick<RunSummary, 'task'> | undefined, metric: string): MetricUnit {
  return summary?.task.metrics.find((m) => m.name === metric)?.unit ?? 'score';
}

/** A value as a chart plots it: fractions ×100 (the axis says %), scores as they are. */
export const plotted = (unit: MetricUnit, value: number): number => (unit === 'fraction' ? value * 100 : value);

/** An axis title for a metric: `accuracy %` for a fraction, the name for a score. */
export const axisTitle = (name: string, unit: MetricUnit): string => (unit === 'fraction' ? `${name} %` : name);
