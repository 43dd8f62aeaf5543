import { constants as bufferConstants } from 'node:buffer';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep, win32 } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '@kd/core';

/** The weights file written next to `model.json` (one shard). */
export const WEIGHTS_FILE = 'group1-shard1of1.bin';

function concatWeightData(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out;
}

/** Bytes per element of an unquantized weight (`string` is length-prefixed, see `stringGroupBytes`). */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
/** Bytes per element of a quantized weight, by `quantization.dtype`. */
const QUANTIZED_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };
/** tfjs stores each string element as a 4-byte little-endian length, then its bytes. */
const STRING_LENGTH_BYTES = 4;
/** The most weight bytes one model may declare: what one buffer can hold here. */
export const MAX_WEIGHT_BYTES: number = bufferConstants.MAX_LENGTH;
/** The largest file `readFileSync` reads (2 GiB − 1); tfjs shards are normally 4 MB. */
const MAX_SHARD_BYTES = 2 ** 31 - 1;

/** A value from a file, shown on one line and kept short. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The bytes one weights-manifest entry occupies, checked before anything is read: `fixed` is exact
 * for every dtype but `string`, whose elements add `strings` 4-byte length prefixes to `fixed` and
 * an unknown number of bytes after each (counted once the shard is read).
 */
function entryBytes(entry: unknown, where: string): { fixed: number; strings: number } {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
    throw new UserError(`${where}: a weights entry is ${show(entry)}, not an object`);
  const { name, shape, dtype, quantization } = entry as Record<string, unknown>;
  if (typeof name !== 'string') throw new UserError(`${where}: a weight's name is ${show(name)}, not a string`);
  const weight = `${where}: weight ${show(name)}`;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new UserError(`${weight} has shape ${show(shape)}; dimensions must be whole numbers >= 0`);
  }
  let count = 1;
  for (const d of shape as number[]) {
    count *= d;
    if (count > MAX_WEIGHT_BYTES)
      throw new UserError(
        `${weight} has shape ${show(shape)}, more elements than a model can hold (${MAX_WEIGHT_BYTES} bytes)`,
      );
  }
  let perElement: number;
  if (quantization !== undefined && quantization !== null) {
    const q = quantization as Record<string, unknown>;
    perElement = QUANTIZED_BYTES[String(q.dtype)] ?? 0;
    if (!perElement)
      throw new UserError(`${weight} has quantization dtype ${show(q.dtype)}; tfjs reads uint8, uint16 and float16`);
    if (q.dtype === 'float16' ? dtype !== 'float32' : dtype !== 'float32' && dtype !== 'int32') {
      throw new UserError(
        `${weight}: ${String(q.dtype)} quantization of dtype ${show(dtype)} is not supported by tfjs`,
      );
    }
    if (q.dtype !== 'float16' && (typeof q.min !== 'number' || typeof q.scale !== 'number'))
      throw new UserError(`${weight}: ${String(q.dtype)} quantization needs numbers "min" and "scale"`);
  } else if (dtype === 'string') {
    return { fixed: count * STRING_LENGTH_BYTES, strings: count };
  } else {
    perElement = DTYPE_BYTES[String(dtype)] ?? 0;
    if (!perElement)
      throw new UserError(`${weight} has dtype ${show(dtype)}; tfjs reads float32, int32, bool, complex64 and string`);
  }
  const bytes = count * perElement;
  if (bytes > MAX_WEIGHT_BYTES)
    throw new UserError(
      `${weight} has shape ${show(shape)}: ${bytes} bytes, more than a model can hold (${MAX_WEIGHT_BYTES})`,
    );
  return { fixed: bytes, strings: 0 };
}

/**
 * The exact byte length of a group whose entries include strings, walking the length prefixes of
 * the data read (`undefined` when the data ends inside an entry).
 */
function stringGroupBytes(
  entries: readonly tf.io.WeightsManifestEntry[],
  sizes: readonly { fixed: number; strings: number }[],
  data: Uint8Array,
): number | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const { fixed, strings } = sizes[i]!;
    if (strings === 0) {
      at += fixed;
      continue;
    }
    for (let k = 0; k < strings; k++) {
      if (at + STRING_LENGTH_BYTES > data.byteLength) return undefined;
      at += STRING_LENGTH_BYTES + view.getUint32(at, true);
    }
    if (at > data.byteLength) return undefined;
  }
  return at;
}

/**
 * Reads `model.json` and its weight shards synchronously, treating both as data from elsewhere:
 * every shard path must stay inside the model's folder (no absolute paths, no `..` out of it), and
 * every weight's size (shape × dtype, or × the quantized dtype) is added up and compared with the
 * shards' sizes on disk before anything is read or allocated, so a truncated or padded shard, or a
 * manifest promising a huge tensor, is a one-line UserError naming the file rather than a
 * RangeError or an out-of-memory crash. Each manifest group's shards must hold exactly its weights
 * (what tfjs and tensorflowjs_converter write, one shard or several).
 */
export function readModelArtifacts(path: string): tf.io.ModelArtifacts {
  const modelJson = basename(path) === 'model.json' || path.endsWith('.json') ? path : join(path, 'model.json');
  const dir = dirname(modelJson);
  const jsonName = basename(modelJson);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(readFileSync(modelJson, 'utf8')) as tf.io.ModelJSON;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code ? `cannot read model file ${modelJson} (${code})` : `model file ${modelJson} is not valid JSON`,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new UserError(`model file ${modelJson} is not a JSON object`);
  if (!json.modelTopology && !json.weightsManifest)
    throw new UserError(`${modelJson} has neither modelTopology nor weightsManifest`);
  const manifest: unknown = json.weightsManifest ?? [];
  if (!Array.isArray(manifest))
    throw new UserError(`${modelJson}: "weightsManifest" is ${show(manifest)}, not a list of groups`);

  // 1. the manifest alone: shard paths inside the folder, every weight's size
  const folder = resolve(dir);
  const groups = manifest.map((group: unknown) => {
    const g = (group ?? {}) as Record<string, unknown>;
    if (!Array.isArray(g.paths) || !Array.isArray(g.weights))
      throw new UserError(`${modelJson}: a weights group is ${show(group)}, not {"paths": [...], "weights": [...]}`);
    const files = g.paths.map((p: unknown) => {
      if (typeof p !== 'string' || p === '')
        throw new UserError(`${modelJson}: weights path ${show(p)} is not a file name`);
      if (isAbsolute(p) || win32.isAbsolute(p))
        throw new UserError(
          `${modelJson}: weights path ${show(p)} is absolute; shards must sit in the model's folder ${dir}`,
        );
      const file = resolve(folder, p);
      const inside = relative(folder, file);
      if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
        throw new UserError(`${modelJson}: weights path ${show(p)} leaves the model's folder ${dir}`);
      }
      return join(dir, p);
    });
    const weights = g.weights as tf.io.WeightsManifestEntry[];
    const sizes = weights.map((w) => entryBytes(w, modelJson));
    const declared = sizes.reduce((n, s) => n + s.fixed, 0);
    return { files, weights, sizes, declared, hasStrings: sizes.some((s) => s.strings > 0) };
  });
  const declaredTotal = groups.reduce((n, g) => n + g.declared, 0);
  if (declaredTotal > MAX_WEIGHT_BYTES)
    throw new UserError(
      `${modelJson} declares ${declaredTotal} bytes of weights, more than a model can hold (${MAX_WEIGHT_BYTES})`,
    );

  // 2. the shards' sizes on disk against the manifest, before reading them
  const shown = (files: readonly string[]) =>
    files.length === 1 ? files[0]! : `${files[0]!} ... ${basename(files.at(-1)!)}`;
  const held = (files: readonly string[], bytes: number) =>
    files.length === 1 ? `${bytes} bytes` : `${bytes} bytes in ${files.length} shards`;
  for (const g of groups) {
    const actual = g.files.reduce((total, file) => {
      let stat;
      try {
        stat = statSync(file);
      } catch {
        throw new UserError(`missing weights shard ${file} named by ${modelJson}`);
      }
      if (!stat.isFile()) throw new UserError(`weights shard ${file} named by ${modelJson} is not a file`);
      if (stat.size > MAX_SHARD_BYTES)
        throw new UserError(`${file}: weights file is ${stat.size} bytes, over the 2 GiB a shard may have`);
      return total + stat.size;
    }, 0);
    const atLeast = g.hasStrings ? 'at least ' : '';
    if (actual < g.declared)
      throw new UserError(
        `${shown(g.files)}: weights file is truncated (${held(g.files, actual)}, ${jsonName} declares ${atLeast}${g.declared})`,
      );
    if (actual > g.declared && !g.hasStrings)
      throw new UserError(
        `${shown(g.files)}: weights file is longer than declared (${held(g.files, actual)}, ${jsonName} declares ${g.declared})`,
      );
  }

  // 3. read (the sizes are known to fit); string weights are measured now, by their length prefixes
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  for (const g of groups) {
    specs.push(...g.weights);
    const data = g.files.map((file) => {
      try {
        return readFileSync(file);
      } catch {
        throw new UserError(`missing weights shard ${file} named by ${modelJson}`);
      }
    });
    const actual = data.reduce((n, d) => n + d.byteLength, 0);
    const exact = g.hasStrings ? stringGroupBytes(g.weights, g.sizes, Buffer.concat(data)) : g.declared;
    if (exact === undefined || actual < exact)
      throw new UserError(
        `${shown(g.files)}: weights file is truncated (${held(g.files, actual)}, ${jsonName} declares ${exact ?? 'more'})`,
      );
    if (actual > exact)
      throw new UserError(
        `${shown(g.files)}: weights file is longer than declared (${held(g.files, actual)}, ${jsonName} declares ${exact})`,
      );
    shards.push(...data);
  }
  const weightData = concatWeightData(
    shards.map((s) => s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength) as ArrayBuffer),
  );
  return tf.io.getModelArtifactsForJSONSync(json, specs, weightData.buffer as ArrayBuffer);
}

/**
 * A TensorFlow.js IOHandler over the local disk (what `tfjs-node`'s `file://` does, without
 * tfjs-node): `save` writes `<dir>/model.json` (topology, format, weights manifest) and one binary
 * shard atomically; `load` reads a `model.json` in the standard layout — layers models, graph
 * models (e.g. from tensorflowjs_converter) and kd's own — with any number of shards.
 * `path` is the model.json path or its folder.
 */
export function fileIOHandler(path: string): tf.io.IOHandler {
  const modelJson = basename(path) === 'model.json' || path.endsWith('.json') ? path : join(path, 'model.json');
  const dir = dirname(modelJson);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      mkdirSync(dir, { recursive: true });
      const weights = concatWeightData(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        ...(artifacts.signature ? { signature: artifacts.signature } : {}),
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      const write = (file: string, data: string | Uint8Array) => {
        writeFileSync(`${file}.tmp`, data);
        renameSync(`${file}.tmp`, file);
      };
      write(join(dir, WEIGHTS_FILE), weights);
      write(modelJson, JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      return readModelArtifacts(modelJson);
    },
  };
}

let routed = false;

/** Lets `tf.loadGraphModel('file://…')`, `tf.loadLayersModel('file://…')` and `model.save('file://…')` use `fileIOHandler`. */
export function registerFileRouter(): void {
  if (routed) return;
  routed = true;
  const route = (url: string | string[]) =>
    typeof url === 'string' && url.startsWith('file://') ? fileIOHandler(url.slice('file://'.length)) : null;
  // a router returns null for URLs it does not handle (tfjs's own routers do the same)
  const router = route as unknown as Parameters<typeof tf.io.registerSaveRouter>[0];
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
}
