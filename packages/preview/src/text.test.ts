import { describe, expect, it } from 'vitest';
import { createCanvas, getPixel, type Canvas } from './canvas.js';
import { FONT, glyphRows } from './font.js';
import { charsPerLine, drawText, textHeight, textWidth, wrapText } from './text.js';

const WHITE = [255, 255, 255] as const;

/** Coordinates of the non-black pixels. */
function ink(c: Canvas): string[] {
  const out: string[] = [];
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++) if (getPixel(c, x, y).some((v) => v !== 0)) out.push(`${x},${y}`);
  return out;
}

function drawn(
  text: string,
  options: { scale?: number; maxWidth?: number } = {},
  width = 40,
  height = 40,
): { canvas: Canvas; height: number } {
  const canvas = createCanvas(width, height);
  const used = drawText(canvas, text, 0, 0, { colour: WHITE, ...options });
  return { canvas, height: used };
}

describe('drawText', () => {
  it('"I" and "." leave different ink', () => {
    const i = ink(drawn('I').canvas);
    const dot = ink(drawn('.').canvas);
    expect(i.length).toBe(11);
    expect(dot).toEqual(['1,5', '2,5', '1,6', '2,6']);
    expect(i).not.toEqual(dot);
  });

  it('draws each glyph pixel as a scale × scale block, characters one advance apart', () => {
    const { canvas } = drawn('A7', { scale: 2 });
    for (const [k, ch] of ['A', '7'].entries()) {
      const rows = glyphRows(ch);
      for (let y = 0; y < FONT.glyphHeight * 2; y++) {
        for (let x = 0; x < FONT.advance * 2; x++) {
          const col = Math.floor(x / 2);
          const on = col < FONT.glyphWidth && (rows[Math.floor(y / 2)]! >> (FONT.glyphWidth - 1 - col)) & 1;
          expect(getPixel(canvas, k * FONT.advance * 2 + x, y)[0], `${ch} ${x},${y}`).toBe(on ? 255 : 0);
        }
      }
    }
  });

  it('returns the height used and keeps within it', () => {
    expect(drawn('').height).toBe(0);
    expect(drawn('x').height).toBe(FONT.lineHeight);
    const { canvas, height } = drawn('ab\ncd\ny', { scale: 2 }, 40, 80);
    expect(height).toBe(3 * FONT.lineHeight * 2);
    expect(ink(canvas).every((p) => Number(p.split(',')[1]) < height)).toBe(true);
    expect(
      ink(canvas).some((p) => Number(p.split(',')[1]) >= height - 2 * (FONT.lineHeight - FONT.glyphHeight) - 2),
    ).toBe(true); // y's descender
  });

  it('wraps to the maximum width: no ink beyond it', () => {
    const text = 'the quick brown fox jumps';
    const unwrapped = drawn(text, {}, 200, 40);
    expect(unwrapped.height).toBe(FONT.lineHeight);
    const { canvas, height } = drawn(text, { maxWidth: 40 }, 200, 80);
    expect(height).toBe(wrapText(text, 40).length * FONT.lineHeight);
    expect(height).toBeGreaterThan(FONT.lineHeight);
    expect(Math.max(...ink(canvas).map((p) => Number(p.split(',')[0])))).toBeLessThan(40);
  });

  it('replaces unknown characters by "?" and fills a background when asked', () => {
    expect(ink(drawn('é').canvas)).toEqual(ink(drawn('?').canvas));
    const c = createCanvas(20, 12);
    const h = drawText(c, 'ab', 1, 1, { colour: [0, 0, 0], background: [0, 0, 200] });
    expect(h).toBe(9);
    expect(getPixel(c, 1, 1)).toEqual([0, 0, 200]); // corner of the box, no ink in 'a' there
    expect(getPixel(c, 11, 9)).toEqual([0, 0, 200]);
    expect(getPixel(c, 12, 1)).toEqual([0, 0, 0]); // right of the box: textWidth('ab') = 11
    expect(getPixel(c, 1, 10)).toEqual([0, 0, 0]);
  });
});

describe('wrapText', () => {
  it('measures lines', () => {
    expect(textWidth('')).toBe(0);
    expect(textWidth('a')).toBe(5);
    expect(textWidth('abc', 2)).toBe(34);
    expect(textHeight(3, 2)).toBe(54);
    expect(charsPerLine(17)).toBe(3);
    expect(charsPerLine(16)).toBe(2);
    expect(charsPerLine(34, 2)).toBe(3);
    expect(charsPerLine(1)).toBe(1);
  });

  it('breaks at spaces, greedily', () => {
    // 10 characters fit in 59 px.
    expect(charsPerLine(59)).toBe(10);
    expect(wrapText('one two three four five', 59)).toEqual(['one two', 'three four', 'five']);
    expect(wrapText('aaaa bbbbb', 59)).toEqual(['aaaa bbbbb']);
    expect(wrapText('aaaa  bbbbbb', 59)).toEqual(['aaaa', 'bbbbbb']);
    for (const line of wrapText('lorem ipsum dolor sit amet consectetur adipiscing elit', 59)) {
      expect(line.length).toBeLessThanOrEqual(10);
      expect(line).toBe(line.trim());
    }
  });

  it('breaks words longer than a line between characters', () => {
    expect(wrapText('ab abcdefghijklmnopqrstuvwx yz', 59)).toEqual(['ab', 'abcdefghij', 'klmnopqrst', 'uvwx yz']);
  });

  it('keeps explicit line breaks and empty lines; the empty text has no lines', () => {
    expect(wrapText('')).toEqual([]);
    expect(wrapText('a\n\nb c', 100)).toEqual(['a', '', 'b c']);
    expect(wrapText('a\r\nb\tc')).toEqual(['a', 'b c']);
  });

  it('wraps by the scaled width', () => {
    expect(wrapText('aa bb', 28, 2)).toEqual(['aa', 'bb']);
    expect(wrapText('aa bb', 58, 2)).toEqual(['aa bb']);
  });
});
