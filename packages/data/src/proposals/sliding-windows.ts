/** Multi-scale sliding windows (see `slidingWindows`). */
export interface WindowConfig {
  /** Window sizes in pixels: the geometric mean √(w·h) of each window. */
  readonly sizes: readonly number[];
  /** Aspect ratios h / w; each size is used with each ratio (w = round(s/√a), h = round(s·√a)). */
  readonly aspectRatios: readonly number[];
  /** Step between window positions, in pixels (integer ≥ 1). */
  readonly stride: number;
}

/** The positions 0, stride, 2·stride, … ≤ limit, plus `limit` itself when the stride skips it. */
function positions(limit: number, stride: number): number[] {
  const out: number[] = [];
  for (let p = 0; p <= limit; p += stride) out.push(p);
  if (out[out.length - 1] !== limit) out.push(limit);
  return out;
}

/**
 * Appends every window to `out` (flat x1, y1, x2, y2; integer corners), size by size, ratio by
 * ratio, row by row. Windows that do not fit the canvas are skipped; the last row and column are
 * flush with the bottom and right edges, so the whole canvas is covered at every size that fits.
 */
export function slidingWindows(config: WindowConfig, height: number, width: number, out: number[]): void {
  for (const s of config.sizes) {
    for (const a of config.aspectRatios) {
      const w = Math.max(1, Math.round(s / Math.sqrt(a)));
      const h = Math.max(1, Math.round(s * Math.sqrt(a)));
      if (w > width || h > height) continue;
      const xs = positions(width - w, config.stride);
      for (const y of positions(height - h, config.stride)) {
        for (const x of xs) out.push(x, y, x + w, y + h);
      }
    }
  }
}
