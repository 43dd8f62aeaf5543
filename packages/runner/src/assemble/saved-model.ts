import { UserError, type DataText, type TappedModel } from '@kd/core';
import { KD_MODEL_FORMAT, loadTappedModelWeightsSync, saveTappedModelSync } from '@kd/models';
import { assignVariables, readTensors } from '@kd/trainer';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a saved model folder holds besides its variables: enough to rebuild the same model. */
export interface ModelCard {
  readonly arch: string;
  readonly options: Record<string, unknown>;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly params: number;
  readonly metrics?: Record<string, unknown>;
  /** The text vocabulary's fingerprint of the data the model was trained on (text models only). */
  readonly vocabularyId?: string;
  /** The numerics it was trained with (backend and kernel build, e.g. `wasm/relaxed-simd`). */
  readonly numerics?: string;
}

/** The layout of kd's first sessions: model.json was the card itself, the weights variables.json/.bin. */
const LEGACY_FORMAT = 'kd-model/1';

/**
 * Saves a model folder in the TensorFlow.js layout: `model.json` (format `kd-tapped-model`, the card
 * in `modelTopology.kd`, a standard weights manifest) and one binary shard.
 */
export function saveModel(dir: string, model: TappedModel, card: Omit<ModelCard, 'params'>): void {
  saveTappedModelSync(model, dir, { ...card, params: model.paramCount() });
}

/** Resolves a user-given path to a model folder: the folder itself, or `<run folder>/student`. */
export function resolveModelDir(path: string): string {
  if (existsSync(join(path, 'model.json'))) return path;
  if (existsSync(join(path, 'student', 'model.json'))) return join(path, 'student');
  throw new UserError(`no saved model in ${path} (expected model.json, or a run folder with student/model.json)`);
}

function readJson(dir: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    throw new UserError(`${join(dir, 'model.json')} is not readable JSON`);
  }
}

/** The card of a saved model folder (either layout). */
export function readModelCard(dir: string): ModelCard {
  const json = readJson(dir);
  if (json['format'] === LEGACY_FORMAT) return json as unknown as ModelCard;
  const card = (json['modelTopology'] as { kd?: ModelCard } | undefined)?.kd;
  if (json['format'] !== KD_MODEL_FORMAT || !card) throw new UserError(`${join(dir, 'model.json')} is not a kd model (format '${String(json['format'] ?? 'none')}')`);
  return card;
}

/**
 * A text model must be read with the vocabulary it was trained with: throws a one-line error naming
 * `where` when the saved card's vocabulary fingerprint differs from the data's.
 */
export function checkVocabulary(where: string, dir: string, card: ModelCard, text: DataText | undefined): void {
  if (!card.vocabularyId || !text?.vocabularyId || card.vocabularyId === text.vocabularyId) return;
  throw new UserError(
    `${where}: the model in ${dir} was trained with another text vocabulary (fingerprint ${card.vocabularyId}, this data's is ${text.vocabularyId}); ` +
      'token ids would be misread — train it on the same captions (data section) as this run',
  );
}

/** Loads saved variables into an already built model of the same architecture (either layout). */
export function loadModelWeights(dir: string, model: TappedModel): void {
  if (readJson(dir)['format'] !== LEGACY_FORMAT) {
    loadTappedModelWeightsSync(model, dir);
    return;
  }
  const saved = readTensors(dir, 'variables');
  try {
    assignVariables(model.namedVariables(), saved, `model ${dir}`);
  } catch (e) {
    throw new UserError((e as Error).message);
  } finally {
    for (const t of Object.values(saved)) t.dispose();
  }
}
