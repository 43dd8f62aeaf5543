import { UserError, type TappedModel } from '@kd/core';
import { assignVariables, readTensors, writeTensors } from '@kd/trainer';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a saved model folder holds besides its variables: enough to rebuild the same model. */
export interface ModelCard {
  readonly format: 'kd-model/1';
  readonly arch: string;
  readonly options: Record<string, unknown>;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly params: number;
  readonly metrics?: Record<string, unknown>;
}

/** Saves a model folder: model.json (the card) + variables.json/.bin. */
export function saveModel(dir: string, model: TappedModel, card: Omit<ModelCard, 'format' | 'params'>): void {
  mkdirSync(dir, { recursive: true });
  writeTensors(dir, 'variables', Object.fromEntries(model.namedVariables()));
  const full: ModelCard = { format: 'kd-model/1', ...card, params: model.paramCount() };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(full, null, 1));
}

/** Resolves a user-given path to a model folder: the folder itself, or `<run folder>/student`. */
export function resolveModelDir(path: string): string {
  if (existsSync(join(path, 'model.json'))) return path;
  if (existsSync(join(path, 'student', 'model.json'))) return join(path, 'student');
  throw new UserError(`no saved model in ${path} (expected model.json, or a run folder with student/model.json)`);
}

export function readModelCard(dir: string): ModelCard {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelCard;
}

/** Loads saved variables into an already built model of the same architecture. */
export function loadModelWeights(dir: string, model: TappedModel): void {
  const saved = readTensors(dir, 'variables');
  try {
    assignVariables(model.namedVariables(), saved, `model ${dir}`);
  } catch (e) {
    throw new UserError((e as Error).message);
  } finally {
    for (const t of Object.values(saved)) t.dispose();
  }
}
