import type { Box } from '../proposals/box.js';

/**
 * A stable reading order of boxes: rows top to bottom, left to right within a row. Boxes are sorted
 * by centre y (ties: centre x, then index); the first box opens a row and is its anchor; each next
 * box joins the current row when its centre y is above the anchor's bottom edge (cy < anchor.y2),
 * otherwise it opens a new row with itself as anchor. Within a row, boxes are sorted by centre x
 * (ties: centre y, then index). Returns the box indices in reading order.
 */
export function readingOrder(boxes: readonly Box[]): number[] {
  const cx = boxes.map((b) => (b[0] + b[2]) / 2);
  const cy = boxes.map((b) => (b[1] + b[3]) / 2);
  const byY = boxes.map((_, i) => i).sort((a, b) => cy[a]! - cy[b]! || cx[a]! - cx[b]! || a - b);
  const rows: number[][] = [];
  let anchorBottom = Number.NEGATIVE_INFINITY;
  for (const i of byY) {
    if (rows.length > 0 && cy[i]! < anchorBottom) rows[rows.length - 1]!.push(i);
    else {
      rows.push([i]);
      anchorBottom = boxes[i]![3];
    }
  }
  return rows.flatMap((row) => row.sort((a, b) => cx[a]! - cx[b]! || cy[a]! - cy[b]! || a - b));
}
