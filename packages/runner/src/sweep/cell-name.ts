import { createHash } from 'node:crypto';
import type { GridPoint } from './grid.js';

/** Longest cell name before it is shortened with a hash. */
export const MAX_CELL_NAME = 120;

/** A value as it appears in a cell name: numbers and strings as is, anything else as compact JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

/**
 * Keeps a name portable as a folder name: letters, digits and `. _ - = [ ] , + @` stay, anything else
 * (slashes, spaces, quotes, colons, braces…) becomes `_`; no leading dot.
 */
export function filesystemSafe(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._\-=[\],+@]/g, '_').replace(/^\.+/, '_');
  return safe || '_';
}

/**
 * The name of one sweep cell, e.g. `kd`, `methods[0].weights.soft=0`, or
 * `fitnet+methods[0].hparams.hintEpochs=2+train.epochs=3`: the variant name, then `key=value` for every
 * grid axis, joined by `+`. The same inputs always give the same name; over-long names are cut and
 * suffixed with a hash of the full name so they stay unique.
 */
export function cellName(variant: string | undefined, point: GridPoint): string {
  const parts = [...(variant ? [variant] : []), ...point.map(({ key, value }) => `${key}=${formatValue(value)}`)];
  const full = parts.length ? parts.join('+') : 'base';
  const safe = filesystemSafe(full);
  if (safe.length <= MAX_CELL_NAME && safe === full) return safe;
  // Sanitised or cut: add a hash of the full name so that `a/b` and `a_b` stay different cells.
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${safe.slice(0, MAX_CELL_NAME - hash.length - 1)}-${hash}`;
}
