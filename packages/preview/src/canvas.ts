/** An 8-bit colour: RGB, or RGBA (alpha only matters on 4-channel canvases; default 255). */
export type Colour = readonly [r: number, g: number, b: number] | readonly [r: number, g: number, b: number, a: number];

/** A raster image: row-major, `channels` bytes per pixel (RGB or RGBA), top-left origin. */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  /** `width * height * channels` bytes. */
  readonly data: Uint8Array;
}

/** An axis-aligned rectangle in canvas pixels: columns [x, x + width), rows [y, y + height). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface CanvasOptions {
  /** 3 (RGB, the default) or 4 (RGBA). */
  readonly channels?: 3 | 4;
  /** Initial colour of every pixel; black (transparent black for RGBA) when omitted. */
  readonly background?: Colour;
}

/** A new `width` × `height` canvas. */
export function createCanvas(width: number, height: number, options: CanvasOptions = {}): Canvas {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`canvas size must be non-negative integers, got ${width}×${height}`);
  }
  const channels = options.channels ?? 3;
  if (channels !== 3 && channels !== 4) throw new RangeError(`canvas channels must be 3 or 4, got ${String(channels)}`);
  const canvas: Canvas = { width, height, channels, data: new Uint8Array(width * height * channels) };
  if (options.background) fillCanvas(canvas, options.background);
  return canvas;
}

/** The bytes `colour` is stored as on `canvas` (rounded, clamped to [0, 255]; alpha defaults to 255). */
export function colourBytes(canvas: Canvas, colour: Colour): number[] {
  const byte = (v: number): number => (Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, Math.round(v))));
  const rgb = [byte(colour[0]), byte(colour[1]), byte(colour[2])];
  return canvas.channels === 4 ? [...rgb, colour.length === 4 ? byte(colour[3]) : 255] : rgb;
}

/** The whole canvas as a `Rect`. */
export function canvasRect(canvas: Canvas): Rect {
  return { x: 0, y: 0, width: canvas.width, height: canvas.height };
}

/** The overlap of two rectangles after rounding `a`'s corners to whole pixels (possibly empty). */
export function intersectRect(a: Rect, b: Rect): Rect {
  const x0 = Math.max(Math.round(a.x), b.x);
  const y0 = Math.max(Math.round(a.y), b.y);
  const x1 = Math.min(Math.round(a.x + a.width), b.x + b.width);
  const y1 = Math.min(Math.round(a.y + a.height), b.y + b.height);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Sets every pixel of `canvas` to `colour`. */
export function fillCanvas(canvas: Canvas, colour: Colour): void {
  fillRect(canvas, canvasRect(canvas), colour);
}

/**
 * Fills `rect` (corners rounded to whole pixels) with `colour`, clipped to the canvas and, when
 * given, to `clip` (which must lie inside the canvas).
 */
export function fillRect(canvas: Canvas, rect: Rect, colour: Colour, clip: Rect = canvasRect(canvas)): void {
  const r = intersectRect(rect, intersectRect(clip, canvasRect(canvas)));
  if (r.width === 0 || r.height === 0) return;
  const bytes = colourBytes(canvas, colour);
  const { data, channels, width } = canvas;
  for (let y = r.y; y < r.y + r.height; y++) {
    let i = (y * width + r.x) * channels;
    for (let x = 0; x < r.width; x++, i += channels) {
      for (let c = 0; c < channels; c++) data[i + c] = bytes[c]!;
    }
  }
}

/** Sets one pixel; coordinates outside the canvas are ignored. */
export function setPixel(canvas: Canvas, x: number, y: number, colour: Colour): void {
  fillRect(canvas, { x, y, width: 1, height: 1 }, colour);
}

/** The channel values of the pixel at (x, y); throws outside the canvas. */
export function getPixel(canvas: Canvas, x: number, y: number): number[] {
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= canvas.width || y >= canvas.height) {
    throw new RangeError(`pixel (${x}, ${y}) outside the ${canvas.width}×${canvas.height} canvas`);
  }
  const i = (y * canvas.width + x) * canvas.channels;
  return Array.from(canvas.data.subarray(i, i + canvas.channels));
}
