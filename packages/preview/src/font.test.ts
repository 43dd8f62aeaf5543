import { describe, expect, it } from 'vitest';
import { FONT, REPLACEMENT_CHAR, glyphRows, hasGlyph } from './font.js';

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

describe('font', () => {
  it('has a glyph of 8 rows of 5 bits for every printable ASCII character', () => {
    expect(PRINTABLE.join('')).toContain('~');
    for (const ch of PRINTABLE) {
      expect(hasGlyph(ch), ch).toBe(true);
      const rows = glyphRows(ch);
      expect(rows.length, ch).toBe(FONT.glyphHeight);
      for (const r of rows) expect(Number.isInteger(r) && r >= 0 && r < 1 << FONT.glyphWidth, ch).toBe(true);
    }
  });

  it('gives distinct characters distinct bitmaps; only the space is blank', () => {
    const bitmaps = PRINTABLE.map((ch) => glyphRows(ch).join(','));
    expect(new Set(bitmaps).size).toBe(95);
    const blank = PRINTABLE.filter((ch) => glyphRows(ch).every((r) => r === 0));
    expect(blank).toEqual([' ']);
  });

  it('uses the descender row only for descenders', () => {
    const descending = PRINTABLE.filter((ch) => glyphRows(ch)[7] !== 0).join('');
    expect(descending).toBe(',_gjpqy');
  });

  it('draws what the table says: "I" and "L"', () => {
    const art = (ch: string) =>
      glyphRows(ch).map((r) => r.toString(2).padStart(5, '0').replace(/0/g, '.').replace(/1/g, '#'));
    expect(art('I')).toEqual(['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.', '.....']);
    expect(art('L')).toEqual(['#....', '#....', '#....', '#....', '#....', '#....', '#####', '.....']);
  });

  it('replaces characters without a glyph', () => {
    for (const ch of ['\n', '\u007f', 'é', '😀']) {
      expect(hasGlyph(ch)).toBe(false);
      expect(glyphRows(ch)).toEqual(glyphRows(REPLACEMENT_CHAR));
    }
  });
});
