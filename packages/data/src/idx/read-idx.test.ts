import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { parseIdx, readMaybeGzip } from './read-idx.js';

/** IDX bytes for unsigned-byte values with the given dims. */
function idx(dims: number[], values: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 8, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...header, ...values]);
}

describe('IDX files', () => {
  it('parses dims (big-endian) and values', () => {
    const out = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 300 & 0xff]), 'x');
    expect(out.dims).toEqual([2, 3]);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4, 5, 44]);
    expect(parseIdx(idx([258], new Array(258).fill(7)), 'x').dims).toEqual([258]); // needs both bytes of the uint32
  });

  it.each([
    ['bad magic', Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), /bad magic/],
    ['float type', Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 5, 5, 5, 5]), /value type 0xd/],
    ['truncated', idx([2, 3], [1, 2, 3, 4, 5]), /promises 2×3 = 6 values but the file holds 5/],
    ['too long', idx([1], [1, 2]), /promises 1 = 1 values but the file holds 2/],
    ['tiny', Uint8Array.from([0, 0]), /only 2 bytes/],
  ])('rejects %s with a one-line error naming the file', (_name, bytes, message) => {
    expect(() => parseIdx(bytes, '/data/f.idx')).toThrow(UserError);
    expect(() => parseIdx(bytes, '/data/f.idx')).toThrow(message);
    try {
      parseIdx(bytes, '/data/f.idx');
    } catch (e) {
      expect((e as Error).message).toContain('/data/f.idx');
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('reads plain and gzipped files alike, and names unreadable or corrupt ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-idx-'));
    const bytes = idx([3], [9, 8, 7]);
    writeFileSync(join(dir, 'plain'), bytes);
    writeFileSync(join(dir, 'zipped.gz'), gzipSync(bytes));
    writeFileSync(join(dir, 'broken.gz'), gzipSync(bytes).subarray(0, 12));
    expect(Array.from(readMaybeGzip(join(dir, 'plain')))).toEqual(Array.from(bytes));
    expect(Array.from(readMaybeGzip(join(dir, 'zipped.gz')))).toEqual(Array.from(bytes));
    expect(() => readMaybeGzip(join(dir, 'broken.gz'))).toThrow(/broken\.gz is not a valid gzip file/);
    expect(() => readMaybeGzip(join(dir, 'absent'))).toThrow(/cannot read .*absent \(ENOENT\)/);
  });
});
