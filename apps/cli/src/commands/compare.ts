import { UserError } from '@kd/core';
import { compareRuns, comparisonJson, formatComparison, readFinishedRun } from '@kd/report';
import type { Io } from '../io.js';

/**
 * `kd compare <run-dir> <run-dir> …`: where the runs' configs differ (and their seeds) and their metrics side
 * by side. Every folder is read before anything is printed, so a folder that is not a finished run stops the
 * command in one line (exit 2) with no half table.
 */
export function compareCommand(runDirs: readonly string[], flags: { json?: boolean }, io: Io): void {
  if (runDirs.length < 2)
    throw new UserError(`kd compare needs at least two run folders (got ${runDirs.length}: ${runDirs.join(' ')})`);
  const comparison = compareRuns(runDirs.map(readFinishedRun));
  io.out(flags.json ? JSON.stringify(comparisonJson(comparison), null, 2) + '\n' : formatComparison(comparison));
}
