import { fillRect, type Canvas, type Colour, type Rect } from './canvas.js';

/**
 * Outlines `rect` (corners rounded to whole pixels) with `colour`: the outline is `thickness`
 * pixels wide and lies inside the rectangle, whose interior is left untouched. Rectangles too
 * small for a hole are filled. Clipped to the canvas and, when given, to `clip`.
 */
export function drawRect(canvas: Canvas, rect: Rect, colour: Colour, thickness = 1, clip?: Rect): void {
  if (!Number.isInteger(thickness) || thickness < 1)
    throw new RangeError(`rectangle thickness must be a positive integer, got ${thickness}`);
  const x = Math.round(rect.x);
  const y = Math.round(rect.y);
  const width = Math.round(rect.x + rect.width) - x;
  const height = Math.round(rect.y + rect.height) - y;
  if (width <= 0 || height <= 0) return;
  const t = Math.min(thickness, width, height);
  const edges: Rect[] = [
    { x, y, width, height: t },
    { x, y: y + height - t, width, height: t },
    { x, y: y + t, width: t, height: height - 2 * t },
    { x: x + width - t, y: y + t, width: t, height: height - 2 * t },
  ];
  for (const edge of edges) if (edge.height > 0) fillRect(canvas, edge, colour, clip);
}
