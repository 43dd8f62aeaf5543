import { edgeSum, type EdgeMap } from './edge-map.js';

/** Parameters of the EdgeBoxes-like objectness (see `objectness`). */
export interface ObjectnessConfig {
  /**
   * Exponent of the perimeter normaliser; larger favours smaller boxes. EdgeBoxes uses 1.5 on
   * natural images; 2 ranks tight boxes higher for isolated objects on a blank canvas.
   */
  readonly kappa: number;
  /** Width of the ring outside the box as a fraction of min(w, h); at least 1 pixel. */
  readonly ringFraction: number;
}

export const DEFAULT_OBJECTNESS: ObjectnessConfig = Object.freeze({ kappa: 2, ringFraction: 0.2 });

/**
 * An "EdgeBoxes-like" objectness of a box on an edge map (gradient magnitude normalised to max 1):
 *
 *     score = (E_in − E_ring) / (2(w + h))^κ
 *
 * where the box is first rounded to whole pixels (corners to the nearest integer, clipped to the
 * canvas, at least 1×1), w and h are its rounded width and height, E_in is the edge mass inside it,
 * and E_ring the edge mass in the ring of width r = max(1, round(ringFraction · min(w, h))) just
 * outside it (clipped to the canvas). Edges inside raise the score; edges crossing the boundary (an
 * object cut by the box) lower it; the perimeter normaliser makes boxes much larger than their
 * content score less. A tight box around an isolated object scores highest.
 */
export function objectness(
  map: EdgeMap,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  config: ObjectnessConfig,
): number {
  const { width, height } = map;
  let c1 = Math.min(Math.max(Math.round(x1), 0), width);
  let c2 = Math.min(Math.max(Math.round(x2), 0), width);
  let r1 = Math.min(Math.max(Math.round(y1), 0), height);
  let r2 = Math.min(Math.max(Math.round(y2), 0), height);
  if (c2 <= c1) {
    if (c1 >= width) c1 = width - 1;
    c2 = c1 + 1;
  }
  if (r2 <= r1) {
    if (r1 >= height) r1 = height - 1;
    r2 = r1 + 1;
  }
  const w = c2 - c1;
  const h = r2 - r1;
  const ring = Math.max(1, Math.round(config.ringFraction * Math.min(w, h)));
  const inside = edgeSum(map, c1, r1, c2, r2);
  const outer = edgeSum(map, c1 - ring, r1 - ring, c2 + ring, r2 + ring);
  return (2 * inside - outer) / Math.pow(2 * (w + h), config.kappa);
}
