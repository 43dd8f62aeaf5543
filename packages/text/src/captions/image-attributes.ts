/**
 * Class-agnostic attributes measured on the pixels of one image (the facts behind the template
 * captioner's general caption). Coordinates are in pixels, x to the right and y downwards; the
 * "ink" is the set of pixels brighter than `inkThreshold` (images are bright objects on a dark
 * background, as in MNIST and Fashion-MNIST).
 */
export interface ImageAttributes {
  readonly width: number;
  readonly height: number;
  /** Number of ink pixels (0 for a blank image; then every other attribute is 0). */
  readonly inkArea: number;
  /** Ink bounding box, inclusive pixel bounds. */
  readonly box: { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number };
  /** Larger side of the ink box over the larger image side, in (0, 1]. */
  readonly size: number;
  /** Intensity-weighted centre of the ink, as fractions of width and height in [0, 1] (0.5 = centre). */
  readonly center: { readonly x: number; readonly y: number };
  /** Mean value of the ink pixels, in [0, 1]. */
  readonly brightness: number;
  /** Ink pixels over box pixels, in (0, 1]: 1 for a filled rectangle, low for thin strokes. */
  readonly inkRatio: number;
  /**
   * Stroke thickness in pixels ≈ 2 · area / perimeter, the perimeter counted as ink/background pixel
   * edges: a w-wide stroke of length L ≫ w gives ≈ w; a filled s×s square gives s/2.
   */
  readonly strokeThickness: number;
  /**
   * Orientation of the ink's principal axis from its second central moments, in degrees in
   * (-90, 90], counter-clockwise from horizontal with y up: 0 horizontal, 90 vertical, 45 rising to the right.
   */
  readonly orientation: number;
  /** sqrt(λmax / λmin) of the second moments: 1 for round or square ink, large for a bar. */
  readonly elongation: number;
  /**
   * Mean gradient magnitude (forward differences) over the interior ink pixels — those whose four
   * neighbours are ink too, so the outline does not count; 0 when there is no interior (thin strokes).
   */
  readonly texture: number;
}

export interface MeasureOptions {
  /** Pixels strictly above this value are ink. Default 0.2. */
  readonly inkThreshold?: number;
}

/** Measures `ImageAttributes` of an HWC image; channels are averaged to grey. */
export function measureImageAttributes(
  data: ArrayLike<number>,
  shape: readonly [number, number, number],
  options: MeasureOptions = {},
): ImageAttributes {
  const [height, width, channels] = shape;
  if (data.length !== height * width * channels)
    throw new RangeError(`measureImageAttributes: ${data.length} values for shape [${shape.join(', ')}]`);
  const threshold = options.inkThreshold ?? 0.2;
  const grey = new Float32Array(height * width);
  for (let p = 0; p < height * width; p++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += data[p * channels + c]!;
    grey[p] = s / channels;
  }
  const ink = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < width && y < height && grey[y * width + x]! > threshold;

  let area = 0,
    mass = 0,
    sx = 0,
    sy = 0,
    sum = 0,
    perimeter = 0,
    grad = 0,
    interior = 0;
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!ink(x, y)) continue;
      const v = grey[y * width + x]!;
      area++;
      sum += v;
      mass += v;
      sx += v * x;
      sy += v * y;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      let edges = 0;
      for (const [dx, dy] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ] as const)
        if (!ink(x + dx, y + dy)) edges++;
      perimeter += edges;
      if (edges === 0) {
        interior++;
        grad += Math.hypot(grey[y * width + x + 1]! - v, grey[(y + 1) * width + x]! - v);
      }
    }
  }
  if (area === 0) {
    return {
      width,
      height,
      inkArea: 0,
      box: { x0: 0, y0: 0, x1: 0, y1: 0 },
      size: 0,
      center: { x: 0, y: 0 },
      brightness: 0,
      inkRatio: 0,
      strokeThickness: 0,
      orientation: 0,
      elongation: 0,
      texture: 0,
    };
  }
  const cx = sx / mass,
    cy = sy / mass;
  let m20 = 0,
    m02 = 0,
    m11 = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (!ink(x, y)) continue;
      const v = grey[y * width + x]!;
      m20 += v * (x - cx) ** 2;
      m02 += v * (y - cy) ** 2;
      m11 += v * (x - cx) * (y - cy);
    }
  }
  m20 /= mass;
  m02 /= mass;
  m11 /= mass;
  // principal axis angle with y down, then flipped to y up (counter-clockwise positive)
  let orientation = (-0.5 * Math.atan2(2 * m11, m20 - m02) * 180) / Math.PI;
  if (orientation <= -90) orientation += 180;
  if (Math.abs(orientation) < 1e-9) orientation = 0;
  const common = Math.sqrt(((m20 - m02) / 2) ** 2 + m11 ** 2);
  const lMax = (m20 + m02) / 2 + common;
  const lMin = (m20 + m02) / 2 - common;
  // a single pixel (or a 1-wide line's minor axis) has zero variance: the pixel itself spans 1/12
  const elongation = Math.sqrt((lMax + 1 / 12) / (lMin + 1 / 12));
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1;
  return {
    width,
    height,
    inkArea: area,
    box: { x0, y0, x1, y1 },
    size: Math.max(bw, bh) / Math.max(width, height),
    center: { x: (cx + 0.5) / width, y: (cy + 0.5) / height },
    brightness: sum / area,
    inkRatio: area / (bw * bh),
    strokeThickness: (2 * area) / perimeter,
    orientation,
    elongation,
    texture: interior > 0 ? grad / interior : 0,
  };
}
