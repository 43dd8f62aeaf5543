import * as tf from '@tensorflow/tfjs';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@kd/core';

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

/** The manifest's `format`. */
const FORMAT = 'kd-tensors/1';
const BYTES_PER_ELEMENT = 4; // float32 and int32

/** A value from a file, shown on one line and kept short. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `missing checkpoint file ${path}`
        : `cannot read checkpoint file ${path} (${code ?? (e as Error).message})`,
    );
  }
}

/**
 * Reads what `writeTensors` wrote, checking the manifest against the `.bin` file before any tensor
 * is allocated: `<base>.json` must be `kd-tensors/1` JSON whose entries each have a name, a dtype
 * (float32, int32), a shape of whole numbers, and an integer `offset`/`length` inside the `.bin`
 * with `length` = 4 × the shape's size; the `.bin` must be exactly as long as the entries add up
 * to. Anything else (a missing, truncated or edited file) is a one-line UserError naming the file.
 */
export function readTensors(dir: string, base: string): Record<string, tf.Tensor> {
  const manifestPath = join(dir, `${base}.json`);
  const binPath = join(dir, `${base}.bin`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFile(manifestPath).toString('utf8'));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${manifestPath}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const format = (manifest as { format?: unknown } | null)?.format;
  if (format !== FORMAT)
    throw new UserError(`${manifestPath}: not a kd tensor manifest (format ${show(format)}, expected '${FORMAT}')`);
  const entries = (manifest as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) throw new UserError(`${manifestPath}: "entries" is ${show(entries)}, not a list`);

  let binSize: number;
  try {
    const stat = statSync(binPath);
    if (!stat.isFile()) throw new UserError(`checkpoint file ${binPath} is not a file`);
    binSize = stat.size;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`missing checkpoint file ${binPath}`);
  }

  const names = new Set<string>();
  let declared = 0; // bytes the entries add up to
  let reach = 0; // the furthest byte an entry needs
  for (const raw of entries as unknown[]) {
    const e = (raw ?? {}) as Partial<Record<keyof Entry, unknown>>;
    if (typeof e.name !== 'string')
      throw new UserError(`${manifestPath}: an entry's name is ${show(e.name)}, not a string`);
    const what = `${manifestPath}: tensor ${show(e.name)}`;
    if (names.has(e.name)) throw new UserError(`${what} appears twice`);
    names.add(e.name);
    if (e.dtype !== 'float32' && e.dtype !== 'int32')
      throw new UserError(`${what} has dtype ${show(e.dtype)}, not float32 or int32`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new UserError(`${what} has shape ${show(e.shape)}; dimensions must be whole numbers >= 0`);
    }
    if (
      !Number.isSafeInteger(e.offset) ||
      (e.offset as number) < 0 ||
      !Number.isSafeInteger(e.length) ||
      (e.length as number) < 0
    ) {
      throw new UserError(
        `${what} has offset ${show(e.offset)} and length ${show(e.length)}; both must be whole numbers >= 0`,
      );
    }
    const needs = (e.shape as number[]).reduce((n, d) => n * d, 1) * BYTES_PER_ELEMENT;
    if (e.length !== needs)
      throw new UserError(
        `${what} has length ${e.length as number}, but shape [${e.shape.join(', ')}] of ${e.dtype} takes ${needs} bytes`,
      );
    declared += e.length as number;
    reach = Math.max(reach, (e.offset as number) + (e.length as number));
  }
  const needed = Math.max(declared, reach);
  if (binSize < needed)
    throw new UserError(`${binPath}: checkpoint file is truncated (${binSize} bytes, ${base}.json declares ${needed})`);
  if (binSize > declared)
    throw new UserError(
      `${binPath}: checkpoint file is longer than declared (${binSize} bytes, ${base}.json declares ${declared})`,
    );

  const bin = readFile(binPath);
  if (bin.byteLength !== binSize) throw new UserError(`${binPath}: checkpoint file changed while it was read`);
  const out: Record<string, tf.Tensor> = {};
  for (const e of entries as Entry[]) {
    const copy = new Uint8Array(bin.subarray(e.offset, e.offset + e.length)).buffer;
    const data = e.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    out[e.name] = tf.tensor(data, e.shape, e.dtype);
  }
  return out;
}

/**
 * Copies saved values into existing variables by name; every variable must be present with the same shape,
 * except those in `optional` (state an older checkpoint did not save), which keep their value when absent.
 */
export function assignVariables(
  vars: ReadonlyMap<string, tf.Variable>,
  saved: Readonly<Record<string, tf.Tensor>>,
  what: string,
  optional?: ReadonlySet<string>,
): void {
  for (const [name, v] of vars) {
    const t = saved[name];
    if (!t && optional?.has(name)) continue;
    if (!t) throw new UserError(`${what}: checkpoint lacks variable '${name}'`);
    if (t.shape.join('x') !== v.shape.join('x')) {
      throw new UserError(
        `${what}: variable '${name}' has shape [${t.shape}] in the checkpoint, [${v.shape}] in the model`,
      );
    }
    v.assign(t);
  }
}
