import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/** Reads `model.json` and its weight shards synchronously (one-line errors naming the file). */
export function readModelArtifacts(path: string): tf.io.ModelArtifacts {
  const modelJson = basename(path) === 'model.json' || path.endsWith('.json') ? path : join(path, 'model.json');
  const dir = dirname(modelJson);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(readFileSync(modelJson, 'utf8')) as tf.io.ModelJSON;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code ? `cannot read model file ${modelJson} (${code})` : `model file ${modelJson} is not valid JSON`);
  }
  if (!json.modelTopology && !json.weightsManifest) throw new UserError(`${modelJson} has neither modelTopology nor weightsManifest`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      try {
        shards.push(readFileSync(join(dir, p)));
      } catch {
        throw new UserError(`missing weights shard ${join(dir, p)} named by ${modelJson}`);
      }
    }
  }
  const weightData = concatWeightData(shards.map((s) => s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength) as ArrayBuffer));
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
