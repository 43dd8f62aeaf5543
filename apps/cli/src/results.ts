import type { RunSummary } from '@kd/runner';
import { formatDuration, formatPercent } from './progress/format.js';

const count = (n: number) => n.toLocaleString('en-US');

/** The end-of-run report: teacher(s) and student results, and where the run folder is. */
export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  for (const t of s.teachers) {
    lines.push(`${t.name.padEnd(8)} ${t.arch.padEnd(10)} ${count(t.params).padStart(9)} params  test ${formatPercent(t.test)}  (${t.source}: ${t.path})`);
  }
  const st = s.student;
  if (s.completed) {
    lines.push(
      `${'student'.padEnd(8)} ${st.arch.padEnd(10)} ${count(st.params).padStart(9)} params  test ${formatPercent(st.test.last)} (last), ` +
        `${formatPercent(st.test.best)} (best val, epoch ${st.val.bestEpoch})  val best ${formatPercent(st.val.best)}`,
    );
    if (st.testGroups) {
      const groups = (g: Readonly<Record<string, number>>) => Object.entries(g).map(([name, acc]) => `${name} ${formatPercent(acc)}`).join(', ');
      lines.push(`${''.padEnd(8)} test by class group: ${groups(st.testGroups.last)} (last)${st.testGroups.best ? `; ${groups(st.testGroups.best)} (best val)` : ''}`);
    }
  } else {
    const distill = s.stages.find((x) => x.name === 'distill');
    lines.push(`student  stopped after epoch ${distill?.epochs ?? '?'}; continue with: kd resume ${s.runDir}`);
  }
  lines.push(`methods: ${s.methods.length ? s.methods.join(', ') : 'none (student alone)'}  time: ${formatDuration(s.seconds)}`);
  lines.push(`backend: ${s.backendSummary}`);
  lines.push(`run folder: ${s.runDir}`);
  return lines.join('\n') + '\n';
}
