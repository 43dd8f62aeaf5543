import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDigitFile } from './decode-json-numbers.js';
import { mnistDigitsDir } from './mnist-source.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('decodeDigitFile', () => {
  it('decodes plain decimals exactly like JSON.parse', () => {
    const values = [0, 1, 0.2, 0.624, 0.992, 0.05, 0.001, 12.5, 0.123456789];
    const out = decodeDigitFile(enc(`{ "data": [${values.join(',')}] }\n`));
    expect(Array.from(out)).toEqual(values.map(Math.fround));
  });

  it('accepts whitespace and an empty array', () => {
    expect(Array.from(decodeDigitFile(enc('{\n  "data" : [ 0 , 0.5,\n1 ]\n}')))).toEqual([0, 0.5, 1]);
    expect(decodeDigitFile(enc('{"data":[]}')).length).toBe(0);
  });

  it('falls back to JSON.parse for exponents and negatives', () => {
    expect(Array.from(decodeDigitFile(enc('{"data":[1e-3,-0.5,2]}')))).toEqual([0.001, -0.5, 2].map(Math.fround));
  });

  it('rejects files without a numeric data array', () => {
    expect(() => decodeDigitFile(enc('{"pixels":[1,2]}'))).toThrow(/expected/);
    expect(() => decodeDigitFile(enc('{"data":[1,"a"]}'))).toThrow();
  });

  it('matches JSON.parse on a whole shipped digit file', () => {
    const bytes = readFileSync(join(mnistDigitsDir(), '5.json'));
    const expected = (JSON.parse(bytes.toString('utf8')) as { data: number[] }).data;
    const out = decodeDigitFile(bytes);
    expect(out.length).toBe(expected.length);
    let mismatches = 0;
    for (let i = 0; i < out.length; i++) if (out[i] !== Math.fround(expected[i]!)) mismatches++;
    expect(mismatches).toBe(0);
  });
});
