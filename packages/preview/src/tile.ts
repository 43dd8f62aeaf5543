import type { PixelNormalization } from './pixel-normalization.js';
import type { FloatImage } from './blit.js';
import type { Colour } from './canvas.js';

/** A box on a tile's image, in source-image pixels (fractions allowed; scaled with the image). */
export interface PreviewBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Picks the colour (`classColour`) and, without a `label`, the label text. */
  readonly classId?: number;
  /** Drawn in the box's top-left corner; `String(classId)` when omitted, nothing when both are. */
  readonly label?: string;
  /** Overrides the class colour. */
  readonly colour?: Colour;
}

/** One caption line: plain text in the grid's foreground colour, or text with its own colour. */
export type PreviewLine = string | { readonly text: string; readonly colour?: Colour };

/** One sample of a preview grid. */
export interface PreviewTile {
  readonly image: FloatImage;
  readonly boxes?: readonly PreviewBox[];
  /** Caption under the image, each line wrapped to the cell width. */
  readonly lines?: readonly PreviewLine[];
  /** Overrides the grid's `normalization` for this image. */
  readonly normalization?: PixelNormalization | null;
}
