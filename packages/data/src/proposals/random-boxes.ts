import type { Rng } from '@kd/core';

/** Uniformly random ("false") boxes unrelated to the objects (see `randomBoxes`). */
export interface RandomBoxConfig {
  /** Number of boxes (0 = none). */
  readonly count: number;
  /** Range of box widths and heights in pixels (each drawn independently, uniform). */
  readonly minSize: number;
  readonly maxSize: number;
}

/**
 * Appends `count` random boxes to `out` (flat x1, y1, x2, y2). Per box draws, in order, the width
 * and height (uniform in [minSize, maxSize], capped at the canvas), then x1 in [0, W − w] and y1 in
 * [0, H − h] (uniform, continuous).
 */
export function randomBoxes(config: RandomBoxConfig, rng: Rng, height: number, width: number, out: number[]): void {
  const span = config.maxSize - config.minSize;
  for (let k = 0; k < config.count; k++) {
    const w = Math.min(width, config.minSize + span * rng.next());
    const h = Math.min(height, config.minSize + span * rng.next());
    const x = (width - w) * rng.next();
    const y = (height - h) * rng.next();
    out.push(x, y, x + w, y + h);
  }
}
