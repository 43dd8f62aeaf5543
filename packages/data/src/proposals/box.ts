/**
 * An axis-aligned box `[x1, y1, x2, y2]` in continuous pixel coordinates: the pixel in column c and
 * row r covers [c, c + 1) × [r, r + 1), so its centre is (c + 0.5, r + 0.5) and a box made of whole
 * pixels has integer corners. A box is empty unless x2 > x1 and y2 > y1.
 */
export type Box = readonly [x1: number, y1: number, x2: number, y2: number];

/** (x2 − x1)(y2 − y1), or 0 for an empty box. Reads the box at `offset` of a flat array. */
export function boxArea(b: ArrayLike<number>, offset = 0): number {
  const w = b[offset + 2]! - b[offset]!;
  const h = b[offset + 3]! - b[offset + 1]!;
  return w > 0 && h > 0 ? w * h : 0;
}

/** Area of the intersection of box `i` of `a` and box `j` of `b` (flat [x1, y1, x2, y2, …] arrays). */
export function intersectionAt(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const p = 4 * i;
  const q = 4 * j;
  const w = Math.min(a[p + 2]!, b[q + 2]!) - Math.max(a[p]!, b[q]!);
  if (w <= 0) return 0;
  const h = Math.min(a[p + 3]!, b[q + 3]!) - Math.max(a[p + 1]!, b[q + 1]!);
  return h > 0 ? w * h : 0;
}

/**
 * Intersection over union of box `i` of `a` and box `j` of `b` (flat [x1, y1, x2, y2, …] arrays);
 * 0 when the union is empty.
 */
export function boxIoUAt(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const inter = intersectionAt(a, i, b, j);
  if (inter === 0) return 0;
  return inter / (boxArea(a, 4 * i) + boxArea(b, 4 * j) - inter);
}

/** Intersection over union of two boxes, area = (x2 − x1)(y2 − y1); 0 when they do not overlap. */
export function boxIoU(a: Box, b: Box): number {
  return boxIoUAt(a, 0, b, 0);
}

/** `b` clipped to the canvas [0, width] × [0, height] (may become empty). */
export function clipBox(b: Box, height: number, width: number): Box {
  return [
    Math.min(Math.max(b[0], 0), width),
    Math.min(Math.max(b[1], 0), height),
    Math.min(Math.max(b[2], 0), width),
    Math.min(Math.max(b[3], 0), height),
  ];
}

/** The box at `i` of a flat [x1, y1, x2, y2, …] array. */
export function boxAt(flat: ArrayLike<number>, i: number): Box {
  return [flat[4 * i]!, flat[4 * i + 1]!, flat[4 * i + 2]!, flat[4 * i + 3]!];
}
