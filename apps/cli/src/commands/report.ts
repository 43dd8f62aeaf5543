import { UserError } from '@kd/core';
import { reportKind, writeReport, writeSweepCharts } from '@kd/report';
import { join, relative } from 'node:path';
import type { Io } from '../io.js';

export interface ReportFlags {
  /** The HTML file (default `<dir>/report.html`). */
  readonly out?: string;
  /** Instead of the page: the sweep's charts as SVG files into this folder (e.g. for docs/results). */
  readonly plots?: string;
}

/**
 * `kd report <run-dir | sweep-dir>`: one self-contained HTML page (inline CSS and SVG, no script, no
 * URL) of a run or a sweep; with `--plots <dir>`, a sweep's charts as SVG files instead, listed as
 * markdown images for a results page. The page is made in full before it is written, so a folder that
 * is neither a run nor a sweep stops in one line (exit 2) with nothing written.
 */
export async function reportCommand(dir: string, flags: ReportFlags, io: Io): Promise<void> {
  if (flags.plots !== undefined) {
    if (flags.out !== undefined) throw new UserError('--plots writes SVG files, --out an HTML page: give one of them');
    if (reportKind(dir) !== 'sweep') throw new UserError(`--plots needs a sweep folder; ${dir} is a run folder`);
    const files = await writeSweepCharts(dir, flags.plots);
    for (const f of files)
      io.out(`![${f.title}](${relative(process.cwd(), join(dir, f.file)).split('\\').join('/')})\n`);
    io.err(`${files.length} chart(s) written to ${flags.plots}\n`);
    return;
  }
  const { path, kind } = await writeReport(dir, flags.out);
  io.out(`${kind} report: ${path}\n`);
}
