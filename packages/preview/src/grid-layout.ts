import type { PixelNormalization } from './pixel-normalization.js';
import { imageSize } from './blit.js';
import type { Colour } from './canvas.js';
import { textHeight, wrapText } from './text.js';
import type { PreviewTile } from './tile.js';

export interface GridOptions {
  /** Text at the top of the grid, wrapped to the grid's content width. */
  readonly title?: string;
  /** Tiles per row; default `ceil(sqrt(N))` (never more than N). */
  readonly columns?: number;
  /** Integer image magnification; default `autoScale` of the largest image side. */
  readonly scale?: number;
  /** Integer font magnification. Default 1. */
  readonly textScale?: number;
  /** Space around the whole grid, in pixels. Default 8. */
  readonly margin?: number;
  /** Space between cells and below the title, in pixels. Default `margin`. */
  readonly gap?: number;
  /** Outline width of boxes, in canvas pixels; default `max(1, round(scale / 3))`. */
  readonly boxThickness?: number;
  /** Default dark grey. */
  readonly background?: Colour;
  /** Colour of the title and of caption lines without their own. Default light grey. */
  readonly foreground?: Colour;
  /** The normalisation the images carry, undone before drawing (tiles may override). */
  readonly normalization?: PixelNormalization | null;
  /** 3 (RGB, the default) or 4 (RGBA, opaque). */
  readonly channels?: 3 | 4;
}

/** Scaled images are aimed at about this many pixels on their longer side (28 → ×4 = 112). */
export const TARGET_TILE_SIZE = 112;
/** Pixels between a tile's image and its caption. */
export const CAPTION_GAP = 3;

/** The largest integer magnification that keeps `side` within `TARGET_TILE_SIZE` (at least 1). */
export function autoScale(side: number): number {
  return Math.max(1, Math.floor(TARGET_TILE_SIZE / Math.max(1, side)));
}

export interface CaptionLine {
  readonly text: string;
  readonly colour?: Colour;
}

/** Where one tile goes. Its image is centred in a `cellWidth` × `imageHeight` box at the cell's top. */
export interface TileLayout {
  /** Top-left corner of the cell. */
  readonly x: number;
  readonly y: number;
  /** The scaled image's rectangle. */
  readonly imageX: number;
  readonly imageY: number;
  readonly imageWidth: number;
  readonly imageHeight: number;
  /** Top of the first caption line. */
  readonly captionY: number;
  /** Wrapped caption lines. */
  readonly caption: readonly CaptionLine[];
}

export interface GridLayout {
  readonly width: number;
  readonly height: number;
  readonly columns: number;
  readonly rows: number;
  readonly scale: number;
  readonly textScale: number;
  readonly margin: number;
  readonly gap: number;
  /** Width of every cell: the widest scaled image. */
  readonly cellWidth: number;
  /** Height of every cell's image area: the tallest scaled image. */
  readonly imageHeight: number;
  /** Wrapped title lines and their height (0 without a title). */
  readonly title: readonly string[];
  readonly titleHeight: number;
  /** Caption height of each row: its tallest caption (0 when no tile of the row has one). */
  readonly captionHeights: readonly number[];
  readonly tiles: readonly TileLayout[];
}

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Positions `tiles` on a grid, row by row:
 * `width = 2·margin + columns·cellWidth + (columns − 1)·gap`;
 * `height = 2·margin + [titleHeight + gap] + Σ rows (imageHeight + [CAPTION_GAP + captionHeight]) + (rows − 1)·gap`,
 * the bracketed terms only when there is a title / a caption in that row.
 */
export function layoutGrid(tiles: readonly PreviewTile[], options: GridOptions = {}): GridLayout {
  if (tiles.length === 0) throw new RangeError('a preview grid needs at least one tile');
  const sizes = tiles.map((t) => imageSize(t.image));
  const maxWidth = Math.max(...sizes.map((s) => s.width));
  const maxHeight = Math.max(...sizes.map((s) => s.height));
  const scale = positiveInt('scale', options.scale ?? autoScale(Math.max(maxWidth, maxHeight)));
  const textScale = positiveInt('textScale', options.textScale ?? 1);
  const margin = nonNegativeInt('margin', options.margin ?? 8);
  const gap = nonNegativeInt('gap', options.gap ?? margin);
  const columns = Math.min(tiles.length, positiveInt('columns', options.columns ?? Math.ceil(Math.sqrt(tiles.length))));
  const rows = Math.ceil(tiles.length / columns);
  const cellWidth = maxWidth * scale;
  const imageHeight = maxHeight * scale;
  const contentWidth = columns * cellWidth + (columns - 1) * gap;

  const title = wrapText(options.title ?? '', contentWidth, textScale);
  const titleHeight = textHeight(title.length, textScale);
  const captions = tiles.map((t) =>
    (t.lines ?? []).flatMap((line): CaptionLine[] => {
      const { text, colour } = typeof line === 'string' ? { text: line, colour: undefined } : line;
      return wrapText(text, cellWidth, textScale).map((l) => (colour ? { text: l, colour } : { text: l }));
    }),
  );
  const captionHeights = Array.from({ length: rows }, (_, r) =>
    Math.max(0, ...captions.slice(r * columns, (r + 1) * columns).map((c) => textHeight(c.length, textScale))),
  );

  const rowTops: number[] = [];
  let y = margin + (titleHeight > 0 ? titleHeight + gap : 0);
  for (let r = 0; r < rows; r++) {
    rowTops.push(y);
    y += imageHeight + (captionHeights[r]! > 0 ? CAPTION_GAP + captionHeights[r]! : 0) + gap;
  }
  const height = y - gap + margin;

  const layouts = tiles.map((_, i): TileLayout => {
    const col = i % columns;
    const row = Math.floor(i / columns);
    const x = margin + col * (cellWidth + gap);
    const top = rowTops[row]!;
    const w = sizes[i]!.width * scale;
    const h = sizes[i]!.height * scale;
    return {
      x,
      y: top,
      imageX: x + Math.floor((cellWidth - w) / 2),
      imageY: top + Math.floor((imageHeight - h) / 2),
      imageWidth: w,
      imageHeight: h,
      captionY: top + imageHeight + CAPTION_GAP,
      caption: captions[i]!,
    };
  });

  return {
    width: contentWidth + 2 * margin,
    height,
    columns,
    rows,
    scale,
    textScale,
    margin,
    gap,
    cellWidth,
    imageHeight,
    title,
    titleHeight,
    captionHeights,
    tiles: layouts,
  };
}
