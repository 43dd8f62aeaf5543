import * as tf from '@tensorflow/tfjs';
import { ensureDir, UserError, withStorageErrors, type ModelArchitecture, type TappedModel } from '@kd/core';
import { WEIGHTS_FILE, fileIOHandler, readModelArtifacts } from './file-io-handler.js';
import { KD_MODEL_FORMAT, readModelCard, type ModelCard } from './model-card.js';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Saves a model in the TensorFlow.js artifact layout (`model.json` + one binary weights shard) with
 * the standard weights manifest, so any tfjs tool can read the weights; `modelTopology.kd` holds the
 * card (its `params` set here). The same files as `saveTappedModelSync`.
 */
export async function saveTappedModel(model: TappedModel, dir: string, card: Omit<ModelCard, 'params'>): Promise<void> {
  saveTappedModelSync(model, dir, card);
}

/**
 * Writes a saved kd model folder (kd's one writer of `model.json`): the variables' values are read
 * synchronously and written as one little-endian shard in the standard weights-manifest layout (what
 * `tf.io.encodeWeights` makes); the card, with the model's parameter count, lands in
 * `modelTopology.kd`. Both files are replaced atomically.
 */
export function saveTappedModelSync(model: TappedModel, dir: string, card: Omit<ModelCard, 'params'>): void {
  ensureDir(dir);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const [name, v] of model.namedVariables()) {
    if (v.dtype !== 'float32' && v.dtype !== 'int32')
      throw new Error(`saveTappedModelSync: ${name} has dtype ${v.dtype}`);
    const values = v.dataSync() as Float32Array | Int32Array;
    parts.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    specs.push({ name, shape: [...v.shape], dtype: v.dtype });
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.byteLength;
  }
  const json: tf.io.ModelJSON = {
    modelTopology: { kd: { ...card, params: model.paramCount() } },
    format: KD_MODEL_FORMAT,
    generatedBy: `kd (TensorFlow.js ${tf.version.tfjs})`,
    convertedBy: null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  const write = (file: string, content: string | Uint8Array) =>
    withStorageErrors(file, () => {
      writeFileSync(`${file}.tmp`, content);
      renameSync(`${file}.tmp`, file);
    });
  write(join(dir, WEIGHTS_FILE), data);
  write(join(dir, 'model.json'), JSON.stringify(json, null, 1));
}

/** `loadTappedModelWeights` without awaiting (the files are local). */
export function loadTappedModelWeightsSync(model: TappedModel, dir: string): void {
  const artifacts = readModelArtifacts(dir);
  assignSaved(model, dir, tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs ?? []));
}

/** Assigns the saved weights to `model`; names and shapes must match exactly. */
export async function loadTappedModelWeights(model: TappedModel, dir: string): Promise<void> {
  const artifacts = await fileIOHandler(dir).load!();
  assignSaved(model, dir, tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs ?? []));
}

function assignSaved(model: TappedModel, dir: string, saved: tf.NamedTensorMap): void {
  try {
    const vars = model.namedVariables();
    const missing = [...vars.keys()].filter((k) => !(k in saved));
    const extra = Object.keys(saved).filter((k) => !vars.has(k));
    if (missing.length || extra.length) {
      throw new UserError(
        `${dir}/model.json does not fit the model: missing ${missing.slice(0, 3).join(', ') || 'none'}; unexpected ${extra.slice(0, 3).join(', ') || 'none'}`,
      );
    }
    for (const [k, v] of vars) {
      const t = saved[k]!;
      if (t.shape.join() !== v.shape.join())
        throw new UserError(`${dir}/model.json: ${k} has shape [${t.shape}] but the model's is [${v.shape}]`);
      v.assign(t);
    }
  } finally {
    tf.dispose(Object.values(saved));
  }
}

/** Rebuilds a saved kd model from its card with `architectures`, then loads its weights. */
export async function loadTappedModel(dir: string, architectures: readonly ModelArchitecture[]): Promise<TappedModel> {
  const card = readModelCard(dir);
  const arch = architectures.find((a) => a.id === card.arch);
  if (!arch) throw new UserError(`${dir}: unknown architecture '${card.arch}'`);
  const model = arch.build({
    inputShape: card.inputShape,
    numClasses: card.numClasses,
    seed: 0,
    options: card.options,
    architectures,
  });
  await loadTappedModelWeights(model, dir);
  return model;
}
