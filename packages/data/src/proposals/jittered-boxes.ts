import type { Rng } from '@kd/core';
import type { Box } from './box.js';

/** How boxes are jittered around each object (see `jitteredBoxes`). */
export interface JitterConfig {
  /** Jittered boxes per object (0 = none). */
  readonly perObject: number;
  /** Standard deviation of the centre shift, as a fraction of the object's width (x) and height (y). */
  readonly center: number;
  /** Standard deviation of the log-size change (width and height drawn independently). */
  readonly scale: number;
  /** Multiplies every jittered width and height: 1 = unbiased, > 1 looser boxes, < 1 tighter. */
  readonly sizeBias: number;
}

/**
 * Appends `perObject` jittered boxes per object box to `out` (flat x1, y1, x2, y2). For each box
 * (centre cx, cy, size w, h) draws four normals n1…n4 from `rng`, in that order, and makes
 *
 *     cx' = cx + center·w·n1,   cy' = cy + center·h·n2,
 *     w'  = w·sizeBias·exp(scale·n3),   h' = h·sizeBias·exp(scale·n4),
 *
 * clipped to the canvas; boxes narrower or lower than 1 pixel after clipping are dropped (their
 * draws are still consumed, so the rng stream does not depend on clipping).
 */
export function jitteredBoxes(
  objects: readonly Box[],
  config: JitterConfig,
  rng: Rng,
  height: number,
  width: number,
  out: number[],
): void {
  for (const [x1, y1, x2, y2] of objects) {
    const w = x2 - x1;
    const h = y2 - y1;
    const cx = (x1 + x2) / 2;
    const cy = (y1 + y2) / 2;
    for (let k = 0; k < config.perObject; k++) {
      const jx = cx + config.center * w * rng.normal();
      const jy = cy + config.center * h * rng.normal();
      const jw = w * config.sizeBias * Math.exp(config.scale * rng.normal());
      const jh = h * config.sizeBias * Math.exp(config.scale * rng.normal());
      const bx1 = Math.max(0, jx - jw / 2);
      const by1 = Math.max(0, jy - jh / 2);
      const bx2 = Math.min(width, jx + jw / 2);
      const by2 = Math.min(height, jy + jh / 2);
      if (bx2 - bx1 >= 1 && by2 - by1 >= 1) out.push(bx1, by1, bx2, by2);
    }
  }
}
