/**
 * An axis-aligned box [x1, y1, x2, y2] in pixels, continuous coordinates (as COCO): width = x2 − x1,
 * height = y2 − y1 — NOT the VOC devkit's x2 − x1 + 1. Requires x2 ≥ x1 and y2 ≥ y1.
 */
export type Box = readonly [number, number, number, number] | ArrayLike<number>;

/** Throws unless `b` is [x1, y1, x2, y2] with finite coordinates, x2 ≥ x1 and y2 ≥ y1 (internal). */
export function assertBox(what: string, name: string, b: Box): void {
  if (b.length !== 4) throw new Error(`${what}: ${name} has ${b.length} coordinates, expected [x1, y1, x2, y2]`);
  for (let i = 0; i < 4; i++) {
    if (!Number.isFinite(b[i]!)) throw new Error(`${what}: ${name}[${i}] = ${b[i]} is not a finite number`);
  }
  if (b[2]! < b[0]! || b[3]! < b[1]!)
    throw new Error(`${what}: ${name} = [${Array.from(b).join(', ')}] has x2 < x1 or y2 < y1`);
}

/** Area (x2 − x1)·(y2 − y1) of a box. */
export function boxArea(b: Box): number {
  assertBox('boxArea', 'box', b);
  return (b[2]! - b[0]!) * (b[3]! - b[1]!);
}

/**
 * Intersection over union of two boxes: area(a ∩ b) / (area(a) + area(b) − area(a ∩ b)), with
 * widths x2 − x1 (boxes that only touch have IoU 0). Two zero-area boxes have IoU 0.
 */
export function boxIou(a: Box, b: Box): number {
  assertBox('boxIou', 'a', a);
  assertBox('boxIou', 'b', b);
  const iw = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const ih = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return union > 0 ? inter / union : 0;
}
