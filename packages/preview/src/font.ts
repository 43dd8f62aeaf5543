/**
 * The embedded bitmap font: 5×8 pixel glyphs (7 rows above the baseline plus one descender row)
 * for printable ASCII 32–126, drawn in a 6×9 cell (1 px between characters and between lines).
 *
 * Encoding: one token of 8 base-32 digits per character, in code order starting at ' ' (32).
 * Each digit is one row, top to bottom; its 5 bits are the row's pixels, the most significant
 * bit the leftmost column. So `'.'` is `00000cc0`: rows 5 and 6 are `.##..`.
 */
const TABLE = `
  00000000 44444040 aaa00000 aavavaa0 4fke5u40 op248j30 cik8lid0 44800000
  24888420 84222480 04lel400 044v4400 00000c48 000v0000 00000cc0 01248g00
  ehjlphe0 4c4444e0 eh1248v0 v2421he0 26aiv220 vgu11he0 68guhhe0 v1248880
  ehhehhe0 ehhf12c0 0cc0cc00 0cc0c480 248g8420 00v0v000 84212480 eh124040
  eh1dlle0 ehhvhhh0 uhhuhhu0 ehggghe0 sihhhis0 vgguggv0 vgguggg0 ehgnhhf0
  hhhvhhh0 e44444e0 72222ic0 hikokih0 ggggggv0 hrllhhh0 hhpljhh0 ehhhhhe0
  uhhuggg0 ehhhlid0 uhhukih0 fgge11u0 v4444440 hhhhhhe0 hhhhha40 hhhllla0
  hha4ahh0 hha44440 v1248gv0 e88888e0 0g842100 e22222e0 4ah00000 0000000v
  84200000 00e1fhf0 ggmphhu0 00egghe0 11djhhf0 00ehvge0 698s8880 00fhhf1e
  ggmphhh0 40c444e0 206222ic ggikoki0 c44444e0 00qllhh0 00mphhh0 00ehhhe0
  00uhhugg 00fhhf11 00mpggg0 00fge1u0 88s88960 00hhhjd0 00hhha40 00hhlla0
  00ha4ah0 00hhhf1e 00v248v0 24484420 44444440 84424480 008l2000
`;

/** Glyph and cell metrics, in pixels at scale 1. */
export const FONT = Object.freeze({
  /** Inked columns of a glyph. */
  glyphWidth: 5,
  /** Inked rows of a glyph (row 7 is for descenders). */
  glyphHeight: 8,
  /** Horizontal distance from one character to the next. */
  advance: 6,
  /** Vertical distance from one line to the next. */
  lineHeight: 9,
  /** First and last character codes with a glyph of their own. */
  firstCode: 32,
  lastCode: 126,
});

const GLYPHS: readonly (readonly number[])[] = TABLE.trim()
  .split(/\s+/)
  .map((token) => Object.freeze(Array.from(token, (digit) => parseInt(digit, 32))));

if (GLYPHS.length !== FONT.lastCode - FONT.firstCode + 1) throw new Error(`font table has ${GLYPHS.length} glyphs`);

/** Characters without a glyph (control characters, non-ASCII) are drawn as this one. */
export const REPLACEMENT_CHAR = '?';

/** True when `char` (one UTF-16 unit) has a glyph of its own. */
export function hasGlyph(char: string): boolean {
  const code = char.charCodeAt(0);
  return char.length === 1 && code >= FONT.firstCode && code <= FONT.lastCode;
}

/**
 * The 8 row bitmasks of `char`'s glyph, top to bottom; bit 4 (value 16) is the leftmost column.
 * Characters without a glyph get `REPLACEMENT_CHAR`'s.
 */
export function glyphRows(char: string): readonly number[] {
  const c = hasGlyph(char) ? char : REPLACEMENT_CHAR;
  return GLYPHS[c.charCodeAt(0) - FONT.firstCode]!;
}
