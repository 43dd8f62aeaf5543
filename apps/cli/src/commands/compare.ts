import { UserError } from '@kd/core';
import {
  cellComparisonJson,
  compareCells,
  compareRuns,
  comparisonJson,
  formatCellComparison,
  formatComparison,
  isCellFolder,
  readFinishedCell,
  readFinishedRun,
} from '@kd/report';
import type { Io } from '../io.js';

/**
 * `kd compare <dir> <dir> …`: run folders side by side (where their configs differ, their seeds and
 * metrics), or sweep cell folders (`<sweep>/<cell>`, its `seed-<n>` runs) side by side: each metric's
 * mean ± std over a cell's seeds and each cell's difference to the first, paired by seed. Every
 * folder is read before anything is printed, so a folder that does not fit stops the command in one
 * line (exit 2) with no half table.
 */
export function compareCommand(dirs: readonly string[], flags: { json?: boolean }, io: Io): void {
  if (dirs.length < 2)
    throw new UserError(
      `kd compare needs at least two run folders or two cell folders (got ${dirs.length}: ${dirs.join(' ')})`,
    );
  if (isCellFolder(dirs[0]!)) {
    const comparison = compareCells(dirs.map(readFinishedCell));
    io.out(
      flags.json ? JSON.stringify(cellComparisonJson(comparison), null, 2) + '\n' : formatCellComparison(comparison),
    );
    return;
  }
  const comparison = compareRuns(dirs.map(readFinishedRun));
  io.out(flags.json ? JSON.stringify(comparisonJson(comparison), null, 2) + '\n' : formatComparison(comparison));
}
