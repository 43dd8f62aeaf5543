import * as tf from '@tensorflow/tfjs';
import { UserError, type DataText, type TappedModel } from '@kd/core';
import { isLegacyModelFolder, loadTappedModelWeightsSync, readModelArtifacts, type ModelCard } from '@kd/models';
import { assignVariables, readTensors } from '@kd/trainer';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A run's saved models (students, trained teachers, the teacher cache, recipes) are `@kd/models`'
 * saved model folders: written by `saveTappedModelSync`, their card read by `readModelCard`. Here:
 * what a run adds — finding the folder a user names, the first sessions' weights layout, and the
 * text-vocabulary check.
 */

/** Resolves a user-given path to a model folder: the folder itself, or `<run folder>/student`. */
export function resolveModelDir(path: string): string {
  if (existsSync(join(path, 'model.json'))) return path;
  if (existsSync(join(path, 'student', 'model.json'))) return join(path, 'student');
  throw new UserError(`no saved model in ${path} (expected model.json, or a run folder with student/model.json)`);
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

/**
 * Loads saved variables into an already built model of the same architecture, in either layout
 * (the first sessions' `variables.json`/`.bin` are `@kd/trainer` tensor files).
 */
export function loadModelWeights(dir: string, model: TappedModel): void {
  if (!isLegacyModelFolder(dir)) {
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

/**
 * Every variable of a saved model folder by path, in either layout, for loading part of it into
 * another model (`student.init`). The caller disposes the tensors.
 */
export function readModelVariables(dir: string): Record<string, tf.Tensor> {
  if (isLegacyModelFolder(dir)) return readTensors(dir, 'variables');
  const artifacts = readModelArtifacts(dir);
  return tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs ?? []);
}
