import type { Colour } from './canvas.js';

/**
 * Twelve distinguishable colours for class ids (after Sasha Trubetskoy's list of 20 distinct
 * colours): red, green, yellow, blue, orange, purple, cyan, magenta, mint, pink, teal, brown.
 */
export const CLASS_PALETTE: readonly Colour[] = Object.freeze([
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [170, 255, 195],
  [250, 190, 212],
  [0, 128, 128],
  [170, 110, 40],
] as const);

/** The colour of class `classId`: `CLASS_PALETTE[classId mod 12]` (negative ids wrap too). */
export function classColour(classId: number): Colour {
  if (!Number.isInteger(classId)) throw new RangeError(`class id must be an integer, got ${classId}`);
  const n = CLASS_PALETTE.length;
  return CLASS_PALETTE[((classId % n) + n) % n]!;
}

/** Black or white, whichever reads better on `background` (by its Rec. 601 luma). */
export function contrastingColour(background: Colour): Colour {
  const luma = 0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2];
  return luma >= 128 ? [0, 0, 0] : [255, 255, 255];
}
