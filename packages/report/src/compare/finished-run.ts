import { UserError } from '@kd/core';
import { RunFolder, upgradeSummary, type RunSummary } from '@kd/runner';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A finished run as its folder holds it: the resolved config and the summary. */
export interface FinishedRun {
  /** The folder as the user named it. */
  readonly dir: string;
  /** config.json: the resolved config the run was made with. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly summary: RunSummary;
}

/**
 * Reads a run folder whose run has finished, or says in one line (a UserError) why it is not one:
 * missing, not a run folder (a sweep folder gets a hint at its runs), or stopped before the end
 * (with the command that continues it). Summaries of older kd versions are read as this one writes them.
 */
export function readFinishedRun(dir: string): FinishedRun {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir}: no such run folder`);
  const folder = new RunFolder(dir);
  if (!folder.exists()) {
    const sweep = existsSync(join(dir, 'results.csv'));
    throw new UserError(
      sweep
        ? `${dir} is a sweep folder, not a run folder: compare its cells (e.g. ${join(dir, '<cell>')}) or runs (${join(dir, '<cell>', 'seed-1')})`
        : `${dir} is not a run folder (no config.json)`,
    );
  }
  if (!existsSync(folder.summaryPath))
    throw new UserError(`${dir} has not finished (no summary.json); continue it with kd resume ${dir}`);
  const summary = summaryOf(folder.readJson('summary.json'), folder.summaryPath);
  if (!summary.completed) throw new UserError(`${dir} has not finished; continue it with kd resume ${dir}`);
  return { dir, config: folder.readJson('config.json'), summary };
}

/** The summary as this version writes it, or a UserError naming the file when it is not a kd run summary. */
function summaryOf(raw: unknown, path: string): RunSummary {
  try {
    const s = upgradeSummary(raw);
    const wellFormed =
      typeof s.completed === 'boolean' &&
      Array.isArray(s.task.metrics) &&
      Array.isArray(s.teachers) &&
      typeof s.student.test.last === 'object' &&
      typeof s.student.val.best === 'object';
    if (wellFormed) return s;
  } catch {
    // a shape upgradeSummary cannot read: the same answer as a missing field
  }
  throw new UserError(`${path} is not a kd run summary`);
}
