import { resultsTable } from '@kd/runner';
import { html } from './html.js';
import { chartFigures, facts, page, table } from './page.js';
import type { RunRecord } from './run-record.js';
import { sweepCharts } from './sweep-charts.js';
import { readSweep, type SweepRecord } from './sweep-record.js';

interface MachineRecord {
  readonly cpuModel?: string;
  readonly cpus?: number;
  readonly platform?: string;
  readonly arch?: string;
}

/** The machine as results.md names it (`AMD EPYC × 2 cores, linux/x64, Node v20.20.2`), from a run's environment.json. */
function machineOf(run: RunRecord | undefined): string {
  const m = run?.environment['machine'] as MachineRecord | undefined;
  if (!m) return 'unknown';
  return `${m.cpuModel?.trim() ?? 'unknown CPU'} × ${m.cpus ?? '?'} cores, ${m.platform ?? '?'}/${m.arch ?? '?'}, Node ${String(run!.environment['node'] ?? '?')}`;
}

/** The facts results.md's header states, read from the runs: command, config, seeds, machine, numerics, date. */
function header(sweep: SweepRecord) {
  const finished = sweep.runs.filter((r) => !r.problem && r.record).map((r) => r.record!);
  const numerics = [...new Set(finished.map((r) => r.summary!.numerics ?? r.summary!.backend))];
  const last = finished
    .map((r) => r.finishedAt)
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  return facts([
    ['command', html`<code>${sweep.command ?? '—'}</code>`],
    ['config', html`<code>${sweep.config ?? '—'}</code>`],
    ['seeds', `${sweep.seeds.join(', ')} (${sweep.seeds.length} per cell; mean ± sample std, n − 1)`],
    ['cells', String(sweep.cells.length)],
    ['runs', `${finished.length} of ${sweep.runs.length} finished`],
    ['machine', machineOf(finished[0])],
    ['numerics', numerics.length ? numerics.join(', ') : 'unknown'],
    ['date', last ? `${last.replace('T', ' ').slice(0, 16)} UTC (last run finished)` : '—'],
  ]);
}

/** The page of one sweep: its facts, the results table, a bar chart per metric, the curves. */
export async function sweepPage(sweep: SweepRecord): Promise<string> {
  const t = resultsTable(sweep.rows);
  const charts = sweepCharts(sweep);
  const bars = charts.filter((c) => c.id.startsWith('bar-'));
  const curves = charts.filter((c) => !c.id.startsWith('bar-'));
  const missing = sweep.runs.filter((r) => r.problem);
  const body = html`<h1>Sweep <code>${sweep.name}</code></h1>
    <p class="sub">${sweep.dir}</p>
    ${header(sweep)}
    <h2>Results</h2>
    ${table(
      t.header,
      t.rows.map(([cell, ...rest]) => [html`<code>${cell}</code>`, ...rest]),
      'results',
    )}
    <p class="note">
      Fractions (accuracy, mAP, …) in percent, scores as numbers. "last": after the final epoch; "best val": with the
      weights of the epoch whose validation value of the primary metric was best. The same table as results.md.
    </p>
    ${
      missing.length
        ? html`<h3>Runs not in the table (${missing.length})</h3>
            <ul>
              ${missing.map(
                (r) => html`<li><code>${r.cell}</code> seed ${r.seed}: <span class="problem">${r.problem}</span></li>`,
              )}
            </ul>`
        : ''
    }
    <h2>Metrics per cell</h2>
    ${bars.length ? await chartFigures(bars) : html`<p class="note">No finished runs.</p>`}
    <h2>Learning curves</h2>
    ${curves.length ? await chartFigures(curves) : html`<p class="note">No epochs logged.</p>`}`;
  return page(`kd sweep ${sweep.name}`, body);
}

/** `kd report <sweep-dir>`: the sweep's page as one self-contained HTML document. */
export async function sweepReportHtml(sweepDir: string): Promise<string> {
  return sweepPage(readSweep(sweepDir));
}
