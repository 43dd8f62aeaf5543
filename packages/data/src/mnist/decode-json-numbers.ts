/**
 * A fast decoder for the `mnist` package's digit files: `{ "data": [0,0,0.2,0.624,…] }`, one flat
 * array of pixel values in [0, 1]. Scanning the bytes directly is several times faster than
 * `JSON.parse` and never materialises a JS array of millions of boxed numbers.
 *
 * Only plain non-negative decimals (`d`, `d.ddd`) are decoded on the fast path; anything else
 * (exponents, signs, other keys) falls back to `JSON.parse`, so an unexpected file is still read
 * correctly, only slower.
 */

const ZERO = 48;
const NINE = 57;
const DOT = 46;
const COMMA = 44;
const OPEN = 91; // [
const CLOSE = 93; // ]
const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

/** Decodes the numbers of the `data` array in `bytes` (UTF-8 JSON) into a Float32Array. */
export function decodeDigitFile(bytes: Uint8Array): Float32Array {
  return decodeFast(bytes) ?? decodeSlow(bytes);
}

function decodeSlow(bytes: Uint8Array): Float32Array {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { data?: unknown };
  if (!Array.isArray(parsed.data) || !parsed.data.every((v) => typeof v === 'number')) {
    throw new Error('mnist digit file: expected {"data": number[]}');
  }
  return Float32Array.from(parsed.data as number[]);
}

/** Returns null when the file is not in the simple expected shape. */
function decodeFast(bytes: Uint8Array): Float32Array | null {
  const n = bytes.length;
  const open = bytes.indexOf(OPEN);
  if (open < 0) return null;
  // Everything before '[' must be `{ "data":` (whitespace allowed).
  const head = new TextDecoder().decode(bytes.subarray(0, open)).replace(/\s+/g, '');
  if (head !== '{"data":') return null;

  // Upper bound on the count: one value per comma, plus one.
  let commas = 0;
  for (let i = open; i < n; i++) if (bytes[i] === COMMA) commas++;
  const out = new Float32Array(commas + 1);

  let k = 0;
  let i = open + 1;
  while (i < n && isSpace(bytes[i]!)) i++;
  if (bytes[i] === CLOSE) return checkTail(bytes, i + 1) ? new Float32Array(0) : null;

  for (;;) {
    while (i < n && isSpace(bytes[i]!)) i++;
    // integer part
    let c = bytes[i]!;
    if (c < ZERO || c > NINE) return null;
    let int = 0;
    while (i < n && (c = bytes[i]!) >= ZERO && c <= NINE) {
      int = int * 10 + (c - ZERO);
      i++;
    }
    let value = int;
    if (c === DOT) {
      i++;
      let frac = 0;
      let digits = 0;
      while (i < n && (c = bytes[i]!) >= ZERO && c <= NINE) {
        if (digits < 15) {
          frac = frac * 10 + (c - ZERO);
          digits++;
        }
        i++;
      }
      if (digits === 0) return null;
      value = int + frac / POW10[digits]!;
    }
    out[k++] = value;
    while (i < n && isSpace(bytes[i]!)) i++;
    c = bytes[i]!;
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c === CLOSE) {
      if (!checkTail(bytes, i + 1)) return null;
      break;
    }
    return null; // exponent, sign, or anything unexpected
  }
  return k === out.length ? out : out.slice(0, k);
}

function checkTail(bytes: Uint8Array, from: number): boolean {
  let i = from;
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  if (bytes[i] !== 125 /* } */) return false;
  i++;
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return i === bytes.length;
}
