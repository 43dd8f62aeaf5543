import { formatMetricValue, type RunSummary } from '@kd/runner';
import { html, type Html } from './html.js';
import { unitOf } from './metric-units.js';
import { chartFigures, facts, keyValueTable, page, table } from './page.js';
import { runCharts } from './run-charts.js';
import { readRun, type RunRecord } from './run-record.js';

const fmt = (summary: RunSummary, name: string, value: number | undefined) =>
  formatMetricValue(unitOf(summary, name), value);

/** The metrics of every model the run judged on test: the student (last, best-val weights; val) and the teachers. */
function finalMetrics(summary: RunSummary): Html {
  const s = summary.student;
  const names = [
    ...new Set([
      ...summary.task.metrics.map((m) => m.name),
      ...Object.keys(s.test.last),
      ...Object.keys(s.test.best),
      ...Object.keys(s.val.best),
    ]),
  ];
  const student = table(
    ['metric', 'test (last)', 'test (best val)', `val (best, epoch ${s.val.bestEpoch})`, 'val (last)'],
    names.map((n) => [
      n === summary.task.primary ? html`${n} <span class="note">(primary)</span>` : n,
      fmt(summary, n, s.test.last[n]),
      fmt(summary, n, s.test.best[n]),
      fmt(summary, n, s.val.best[n]),
      fmt(summary, n, s.val.last[n]),
    ]),
  );
  const teacherNames = [...new Set(summary.teachers.flatMap((t) => Object.keys(t.metrics ?? {})))];
  const teachers = summary.teachers.length
    ? table(
        ['teacher', 'arch', 'params', 'source', ...teacherNames.map((n) => `test ${n}`)],
        summary.teachers.map((t) => [
          t.name,
          t.arch,
          t.params.toLocaleString('en-US'),
          t.source,
          ...teacherNames.map((n) => fmt(summary, n, t.metrics?.[n])),
        ]),
      )
    : html`<p class="note">No teacher.</p>`;
  const reported = Object.entries(summary.reported ?? {});
  return html`<h3>Student (${s.arch}, ${s.params.toLocaleString('en-US')} parameters)</h3>
    ${student}
    <h3>Teachers</h3>
    ${teachers}
    ${
      reported.length
        ? html`<h3>Reported by the methods (test)</h3>
            ${table(
              ['metric', 'value'],
              reported.map(([k, v]) => [k, formatMetricValue('fraction', v)]),
            )}`
        : ''
    }`;
}

/** The page of one run, from what its folder holds. */
export async function runPage(run: RunRecord): Promise<string> {
  const summary = run.summary;
  const name = summary?.name ?? String(run.config['name'] ?? run.dir);
  const charts = runCharts(run);
  const body = html`<h1>Run <code>${name}</code></h1>
    <p class="sub">${run.dir}</p>
    ${facts([
      ['seed', summary?.seed ?? String(run.config['seed'] ?? '—')],
      ['task', summary ? `${summary.task.id} (primary metric: ${summary.task.primary})` : '—'],
      ['methods', summary ? summary.methods.join(', ') || 'none (the student alone)' : '—'],
      ['numerics', summary?.numerics ?? '—'],
      ['backend', summary?.backendSummary ?? '—'],
      ['time', summary ? `${summary.seconds.toFixed(0)} s` : '—'],
      [
        'state',
        summary?.completed
          ? 'finished'
          : html`<span class="problem"
              >${summary ? 'stopped before the end' : 'no summary.json yet (not finished)'}</span
            >`,
      ],
    ])}
    <h2>Training</h2>
    ${charts.length ? await chartFigures(charts) : html`<p class="note">metrics.jsonl holds no epoch yet.</p>`}
    <h2>Final metrics</h2>
    ${summary ? finalMetrics(summary) : html`<p class="note">The run has no summary.json yet.</p>`}
    <h2>Config</h2>
    <p class="note">The resolved config (config.json), as paths in <code>--set</code> syntax.</p>
    ${keyValueTable(run.config)}
    <h2>Environment</h2>
    <p class="note">environment.json: versions, backend, git commit, machine.</p>
    ${keyValueTable(run.environment)}`;
  return page(`kd run ${name}`, body);
}

/** `kd report <run-dir>`: the run's page as one self-contained HTML document. */
export async function runReportHtml(runDir: string): Promise<string> {
  return runPage(readRun(runDir));
}
