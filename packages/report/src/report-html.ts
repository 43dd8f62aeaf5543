import { UserError } from '@kd/core';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isRunFolder } from './run-record.js';
import { runReportHtml } from './run-page.js';
import { isSweepFolder } from './sweep-record.js';
import { sweepReportHtml } from './sweep-page.js';
import { writeTextAtomic } from './write-text.js';

/** What a folder is to `kd report`. */
export function reportKind(dir: string): 'run' | 'sweep' {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir}: no such folder`);
  if (isSweepFolder(dir)) return 'sweep';
  if (isRunFolder(dir)) return 'run';
  throw new UserError(`${dir} is neither a run folder (config.json) nor a sweep folder (sweep.json)`);
}

/** The report page of a run folder or a sweep folder; anything else is a one-line UserError. */
export async function reportHtml(dir: string): Promise<string> {
  return reportKind(dir) === 'sweep' ? sweepReportHtml(dir) : runReportHtml(dir);
}

/**
 * `kd report`: writes the page of a run or sweep folder to `out` (default `<dir>/report.html`) and
 * returns where and what. The page is made in full before anything is written, so a folder that is
 * neither, or unreadable, leaves no file behind.
 */
export async function writeReport(
  dir: string,
  out = join(dir, 'report.html'),
): Promise<{ readonly path: string; readonly kind: 'run' | 'sweep' }> {
  const kind = reportKind(dir);
  const text = kind === 'sweep' ? await sweepReportHtml(dir) : await runReportHtml(dir);
  writeTextAtomic(out, text);
  return { path: out, kind };
}
