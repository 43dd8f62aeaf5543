/**
 * The gradient magnitude of a one-channel image, normalised so its maximum is 1, with an integral
 * image for O(1) box sums. Gradients are central differences, g_x(r, c) = (I(r, c+1) − I(r, c−1)) / 2
 * (and likewise g_y), with edge pixels replicated at the border; magnitude = √(g_x² + g_y²).
 */
export interface EdgeMap {
  readonly height: number;
  readonly width: number;
  /** [H·W] row-major gradient magnitudes in [0, 1] (all 0 for a constant image). */
  readonly magnitude: Float32Array;
  /** [(H+1)·(W+1)]: integral[r·(W+1) + c] = Σ magnitude over rows < r, columns < c. */
  readonly integral: Float64Array;
}

export function edgeMap(image: Float32Array, height: number, width: number): EdgeMap {
  if (image.length < height * width)
    throw new RangeError(`edgeMap: image has ${image.length} values, need ${height}·${width}`);
  const magnitude = new Float32Array(height * width);
  let max = 0;
  for (let r = 0; r < height; r++) {
    const up = (r > 0 ? r - 1 : r) * width;
    const down = (r < height - 1 ? r + 1 : r) * width;
    const row = r * width;
    for (let c = 0; c < width; c++) {
      const left = c > 0 ? c - 1 : c;
      const right = c < width - 1 ? c + 1 : c;
      const gx = (image[row + right]! - image[row + left]!) * 0.5;
      const gy = (image[down + c]! - image[up + c]!) * 0.5;
      const m = Math.sqrt(gx * gx + gy * gy);
      magnitude[row + c] = m;
      if (m > max) max = m;
    }
  }
  if (max > 0) {
    const inv = 1 / max;
    for (let i = 0; i < magnitude.length; i++) magnitude[i] = magnitude[i]! * inv;
  }
  const stride = width + 1;
  const integral = new Float64Array((height + 1) * stride);
  for (let r = 0; r < height; r++) {
    let rowSum = 0;
    for (let c = 0; c < width; c++) {
      rowSum += magnitude[r * width + c]!;
      integral[(r + 1) * stride + c + 1] = integral[r * stride + c + 1]! + rowSum;
    }
  }
  return { height, width, magnitude, integral };
}

/**
 * Σ magnitude over the whole pixels of [x1, x2) × [y1, y2); integer corners, clipped to the canvas;
 * 0 for an empty range.
 */
export function edgeSum(map: EdgeMap, x1: number, y1: number, x2: number, y2: number): number {
  const { width, height, integral } = map;
  const c1 = x1 < 0 ? 0 : x1 > width ? width : x1;
  const c2 = x2 < 0 ? 0 : x2 > width ? width : x2;
  const r1 = y1 < 0 ? 0 : y1 > height ? height : y1;
  const r2 = y2 < 0 ? 0 : y2 > height ? height : y2;
  if (c2 <= c1 || r2 <= r1) return 0;
  const s = width + 1;
  return integral[r2 * s + c2]! - integral[r1 * s + c2]! - integral[r2 * s + c1]! + integral[r1 * s + c1]!;
}
