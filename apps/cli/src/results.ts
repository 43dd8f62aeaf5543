import type { Metrics, MetricSpec } from '@kd/core';
import { formatMetric, formatMetricValue, type RunSummary } from '@kd/runner';
import { formatDuration } from './progress/format.js';

const count = (n: number) => n.toLocaleString('en-US');

/** A metric of a set of metrics, by its spec (its unit says how it reads). */
const shown = (spec: Pick<MetricSpec, 'name' | 'unit'>, metrics: Metrics | undefined) =>
  formatMetric(spec, metrics?.[spec.name]);

/** The end-of-run report: teacher(s) and student results by the task's metrics, and where the run folder is. */
export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  const primary = s.task.metrics.find((m) => m.name === s.task.primary) ?? {
    name: s.task.primary,
    unit: 'fraction' as const,
  };
  for (const t of s.teachers) {
    lines.push(
      `${t.name.padEnd(8)} ${t.arch.padEnd(10)} ${count(t.params).padStart(9)} params  ${t.metrics || !t.unjudged ? `test ${shown(primary, t.metrics)}` : 'not judged by the task'}  (${t.source}: ${t.path})`,
    );
  }
  const st = s.student;
  if (s.completed) {
    lines.push(
      `${'student'.padEnd(8)} ${st.arch.padEnd(10)} ${count(st.params).padStart(9)} params  test ${shown(primary, st.test.last)} (last), ` +
        `${formatMetricValue(primary.unit, st.test.best[primary.name])} (best val, epoch ${st.val.bestEpoch})  val best ${formatMetricValue(primary.unit, st.val.best[primary.name])}`,
    );
    const others = s.task.metrics.filter((m) => m.name !== primary.name && st.test.last[m.name] !== undefined);
    if (others.length)
      lines.push(`${''.padEnd(8)} test (last): ${others.map((m) => shown(m, st.test.last)).join(', ')}`);
  } else {
    const distill = s.stages.find((x) => x.name === 'distill');
    lines.push(`student  stopped after epoch ${distill?.epochs ?? '?'}; continue with: kd resume ${s.runDir}`);
  }
  lines.push(
    `methods: ${s.methods.length ? s.methods.join(', ') : 'none (student alone)'}  task: ${s.task.id}  time: ${formatDuration(s.seconds)}`,
  );
  lines.push(`backend: ${s.backendSummary}`);
  lines.push(`run folder: ${s.runDir}`);
  return lines.join('\n') + '\n';
}
