import { fillRect, type Canvas, type Colour, type Rect } from './canvas.js';
import { FONT, glyphRows } from './font.js';

export interface TextOptions {
  readonly colour: Colour;
  /** Integer magnification of the font (each font pixel becomes `scale` × `scale`). Default 1. */
  readonly scale?: number;
  /** Wrap lines to at most this many pixels (see `wrapText`); no wrapping when omitted. */
  readonly maxWidth?: number;
  /** When given, the bounding box of the text (widest line × height used) is filled first. */
  readonly background?: Colour;
  /** Only pixels inside this rectangle (and the canvas) are written. */
  readonly clip?: Rect;
}

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`text scale must be a positive integer, got ${scale}`);
}

/** Inked width in pixels of one line of `line.length` characters (no trailing spacing). */
export function textWidth(line: string, scale = 1): number {
  checkScale(scale);
  return line.length === 0 ? 0 : (line.length * FONT.advance - (FONT.advance - FONT.glyphWidth)) * scale;
}

/** Height in pixels of `lineCount` lines of text (a full line height each). */
export function textHeight(lineCount: number, scale = 1): number {
  checkScale(scale);
  return lineCount * FONT.lineHeight * scale;
}

/** How many characters fit on a line of `maxWidth` pixels (at least 1). */
export function charsPerLine(maxWidth: number, scale = 1): number {
  checkScale(scale);
  return Math.max(1, Math.floor((maxWidth / scale + FONT.advance - FONT.glyphWidth) / FONT.advance));
}

/**
 * Splits `text` into lines: at each `\n`, then (when `maxWidth` is given) greedily at spaces so
 * that no line is wider than `maxWidth`; a word longer than a line is broken between characters.
 * Runs of spaces at a wrap point are dropped, tabs count as spaces and `\r` is ignored. The empty
 * string has no lines; an empty paragraph is an empty line.
 */
export function wrapText(text: string, maxWidth?: number, scale = 1): string[] {
  checkScale(scale);
  if (text === '') return [];
  const paragraphs = text.replace(/\r/g, '').replace(/\t/g, ' ').split('\n');
  if (maxWidth === undefined) return paragraphs;
  const max = charsPerLine(maxWidth, scale);
  const lines: string[] = [];
  for (const paragraph of paragraphs) {
    const words = paragraph.split(' ').filter((w) => w !== '');
    if (words.length === 0) {
      lines.push('');
      continue;
    }
    let line = '';
    for (let word of words) {
      while (word.length > max) {
        if (line !== '') lines.push(line);
        line = '';
        lines.push(word.slice(0, max));
        word = word.slice(max);
      }
      if (line === '') line = word;
      else if (line.length + 1 + word.length <= max) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

/**
 * Draws `text` (wrapped as `wrapText` does) with the top-left of its first glyph cell at (x, y),
 * one line every `FONT.lineHeight * scale` pixels. Characters outside printable ASCII are drawn
 * as `?`. Clipped to the canvas. Returns the height used: `textHeight(lines, scale)`.
 */
export function drawText(canvas: Canvas, text: string, x: number, y: number, options: TextOptions): number {
  const scale = options.scale ?? 1;
  const lines = wrapText(text, options.maxWidth, scale);
  const height = textHeight(lines.length, scale);
  if (options.background && lines.length > 0) {
    const width = Math.max(...lines.map((l) => textWidth(l, scale)));
    fillRect(canvas, { x, y, width, height }, options.background, options.clip);
  }
  lines.forEach((line, li) => {
    const top = y + li * FONT.lineHeight * scale;
    for (let ci = 0; ci < line.length; ci++) {
      const left = x + ci * FONT.advance * scale;
      glyphRows(line[ci]!).forEach((bits, row) => {
        for (let col = 0; col < FONT.glyphWidth; col++) {
          if (bits & (1 << (FONT.glyphWidth - 1 - col))) {
            fillRect(
              canvas,
              { x: left + col * scale, y: top + row * scale, width: scale, height: scale },
              options.colour,
              options.clip,
            );
          }
        }
      });
    }
  });
  return height;
}
