import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '@kd/core';

/** A decoded IDX file (the MNIST family's format): unsigned bytes with their dimensions. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Raw bytes of `path`, gunzipped when they start with the gzip magic (so `.gz` or plain both work). */
export function readMaybeGzip(path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read ${path}${code ? ` (${code})` : ''}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch {
      throw new UserError(`${path} is not a valid gzip file (truncated or corrupt)`);
    }
  }
  return bytes;
}

/**
 * Parses IDX bytes: magic 0x0000 08 <rank>, then `rank` big-endian uint32 dimensions, then the
 * values (only the unsigned-byte type 0x08 is supported: MNIST-family images and labels).
 * `name` is used in errors.
 */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  const corrupt = (why: string) => new UserError(`${name} is not a valid IDX file: ${why}`);
  if (bytes.length < 4) throw corrupt(`only ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw corrupt('bad magic number');
  if (bytes[2] !== 0x08)
    throw corrupt(`value type 0x${bytes[2]!.toString(16)} (only unsigned bytes, 0x08, are supported)`);
  const rank = bytes[3]!;
  if (rank < 1 || rank > 4) throw corrupt(`rank ${rank}`);
  const header = 4 + 4 * rank;
  if (bytes.length < header) throw corrupt('truncated header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    throw corrupt(`header promises ${dims.join('×')} = ${size} values but the file holds ${bytes.length - header}`);
  }
  return { dims, data: bytes.subarray(header) };
}
