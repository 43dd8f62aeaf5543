import { blitImage } from './blit.js';
import { createCanvas, fillRect, type Canvas, type Colour, type Rect } from './canvas.js';
import { FONT } from './font.js';
import { layoutGrid, type GridOptions } from './grid-layout.js';
import { classColour, contrastingColour } from './palette.js';
import { drawRect } from './rect.js';
import { charsPerLine, drawText, textHeight, textWidth } from './text.js';
import type { PreviewBox, PreviewTile } from './tile.js';

export const DEFAULT_BACKGROUND: Colour = [24, 24, 24];
export const DEFAULT_FOREGROUND: Colour = [235, 235, 235];

/**
 * Draws `tiles` on one canvas as `layoutGrid` places them: the title at the top, each image
 * scaled (normalisation undone) with its boxes outlined and labelled (clipped to the image), and
 * its caption lines under it.
 */
export function renderGrid(tiles: readonly PreviewTile[], options: GridOptions = {}): Canvas {
  const layout = layoutGrid(tiles, options);
  const { scale, textScale, margin } = layout;
  const foreground = options.foreground ?? DEFAULT_FOREGROUND;
  const thickness = options.boxThickness ?? Math.max(1, Math.round(scale / 3));
  const canvas = createCanvas(layout.width, layout.height, {
    channels: options.channels ?? 3,
    background: options.background ?? DEFAULT_BACKGROUND,
  });
  const lineStep = textHeight(1, textScale);
  layout.title.forEach((line, i) =>
    drawText(canvas, line, margin, margin + i * lineStep, { colour: foreground, scale: textScale }),
  );

  tiles.forEach((tile, i) => {
    const t = layout.tiles[i]!;
    const normalization = tile.normalization !== undefined ? tile.normalization : (options.normalization ?? null);
    blitImage(canvas, tile.image, t.imageX, t.imageY, { scale, normalization });
    const imageRect: Rect = { x: t.imageX, y: t.imageY, width: t.imageWidth, height: t.imageHeight };
    for (const box of tile.boxes ?? []) drawBox(canvas, box, imageRect, scale, textScale, thickness);
    t.caption.forEach((line, li) =>
      drawText(canvas, line.text, t.x, t.captionY + li * lineStep, {
        colour: line.colour ?? foreground,
        scale: textScale,
      }),
    );
  });
  return canvas;
}

/** Outlines `box` (source pixels) on the image at `image` and tags it with its label. */
function drawBox(
  canvas: Canvas,
  box: PreviewBox,
  image: Rect,
  scale: number,
  textScale: number,
  thickness: number,
): void {
  const colour = box.colour ?? classColour(box.classId ?? 0);
  const rect: Rect = {
    x: image.x + box.x * scale,
    y: image.y + box.y * scale,
    width: box.width * scale,
    height: box.height * scale,
  };
  drawRect(canvas, rect, colour, thickness, image);
  const label = box.label ?? (box.classId !== undefined ? String(box.classId) : '');
  if (label === '') return;
  // One line, cut to the image width, on a tag of the box colour inside the box's top-left corner
  // (moved inwards when that would leave the image).
  const pad = textScale;
  const text = label.replace(/\s+/g, ' ').slice(0, charsPerLine(image.width - 2 * pad, textScale));
  const width = textWidth(text, textScale) + 2 * pad;
  const height = FONT.glyphHeight * textScale + 2 * pad;
  const x = Math.max(image.x, Math.min(Math.round(rect.x), image.x + image.width - width));
  const y = Math.max(image.y, Math.min(Math.round(rect.y), image.y + image.height - height));
  fillRect(canvas, { x, y, width, height }, colour, image);
  drawText(canvas, text, x + pad, y + pad, { colour: contrastingColour(colour), scale: textScale, clip: image });
}
