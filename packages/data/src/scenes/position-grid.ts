import type { Box } from '../proposals/box.js';

const ROWS: Record<number, readonly string[]> = { 2: ['top', 'bottom'], 3: ['top', 'middle', 'bottom'] };
const COLUMNS: Record<number, readonly string[]> = { 2: ['left', 'right'], 3: ['left', 'centre', 'right'] };

/**
 * Names of the cells of a g×g grid over the canvas, row-major: g = 2 → 'top left', 'top right',
 * 'bottom left', 'bottom right'; g = 3 → 'top left', 'top centre', 'top right', 'middle left',
 * 'centre', 'middle right', 'bottom left', 'bottom centre', 'bottom right'.
 */
export function gridCellNames(grid: number): string[] {
  const rows = ROWS[grid];
  const cols = COLUMNS[grid];
  if (!rows || !cols) throw new RangeError(`position grid must be 2 or 3, got ${grid}`);
  return rows.flatMap((r) => cols.map((c) => (r === 'middle' && c === 'centre' ? 'centre' : `${r} ${c}`)));
}

/** The row-major cell (of a g×g grid over an H×W canvas) that contains the centre of `box`. */
export function gridCell(box: Box, grid: number, height: number, width: number): number {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  const col = Math.min(grid - 1, Math.max(0, Math.floor((cx * grid) / width)));
  const row = Math.min(grid - 1, Math.max(0, Math.floor((cy * grid) / height)));
  return row * grid + col;
}
