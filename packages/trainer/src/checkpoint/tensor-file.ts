import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Named tensors on disk: `<name>.json` (manifest: name, shape, dtype, byte offset) + `<name>.bin`
 * (little-endian raw data, concatenated). Float32 and int32 only.
 */
interface Entry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

export function writeTensors(dir: string, base: string, tensors: Readonly<Record<string, tf.Tensor>>): void {
  const entries: Entry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`cannot save ${name}: dtype ${t.dtype}`);
    const data = t.dataSync() as Float32Array | Int32Array;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    chunks.push(Buffer.from(buf));
    entries.push({ name, shape: t.shape, dtype: t.dtype, offset, length: data.byteLength });
    offset += data.byteLength;
  }
  writeFileSync(join(dir, `${base}.bin`), Buffer.concat(chunks));
  writeFileSync(join(dir, `${base}.json`), JSON.stringify({ format: 'kd-tensors/1', entries }, null, 1));
}

export function readTensors(dir: string, base: string): Record<string, tf.Tensor> {
  const manifestPath = join(dir, `${base}.json`);
  if (!existsSync(manifestPath)) throw new Error(`missing ${manifestPath}`);
  const { entries } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { entries: Entry[] };
  const bin = readFileSync(join(dir, `${base}.bin`));
  const out: Record<string, tf.Tensor> = {};
  for (const e of entries) {
    const bytes = bin.subarray(e.offset, e.offset + e.length);
    const copy = new Uint8Array(bytes).buffer;
    const data = e.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    out[e.name] = tf.tensor(data, e.shape, e.dtype);
  }
  return out;
}

/** Copies saved values into existing variables by name; every variable must be present with the same shape. */
export function assignVariables(
  vars: ReadonlyMap<string, tf.Variable>,
  saved: Readonly<Record<string, tf.Tensor>>,
  what: string,
): void {
  for (const [name, v] of vars) {
    const t = saved[name];
    if (!t) throw new Error(`${what}: checkpoint lacks variable '${name}'`);
    if (t.shape.join('x') !== v.shape.join('x')) {
      throw new Error(`${what}: variable '${name}' has shape [${t.shape}] in the checkpoint, [${v.shape}] in the model`);
    }
    v.assign(t);
  }
}
