import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@kd/core';

/**
 * What a saved kd model folder holds besides its variables: enough to rebuild the same model
 * (architecture id and build inputs), plus what a run records about it. One type for every saved
 * model: run students, trained teachers, the teacher cache, recipes and `saveTappedModel`.
 */
export interface ModelCard {
  readonly arch: string;
  readonly options: Record<string, unknown>;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** The parameter count when saved (every writer sets it; cards of `saveTappedModel` before it did lack it). */
  readonly params?: number;
  /** What a run measured (`{test, val}` for a student, `{test}` for a teacher). */
  readonly metrics?: Record<string, unknown>;
  /** The text vocabulary's fingerprint of the data the model was trained on (text models only). */
  readonly vocabularyId?: string;
  /** The numerics it was trained with (backend and kernel build, e.g. `wasm/relaxed-simd`). */
  readonly numerics?: string;
}

/** `model.json`'s `format` for kd models (topology = `{kd: card}`; weights = every variable by path). */
export const KD_MODEL_FORMAT = 'kd-tapped-model';

/**
 * The layout of kd's first sessions: `model.json` was the card itself (plus this `format`), the
 * weights `variables.json`/`.bin` (read by `@kd/trainer`'s tensor files). Older run folders and
 * teacher caches still hold it.
 */
export const LEGACY_MODEL_FORMAT = 'kd-model/1';

function readModelJson(dir: string): Record<string, unknown> {
  const file = join(dir, 'model.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code ? `cannot read model file ${file} (${code})` : `${file} is not readable JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new UserError(`${file} is not a JSON object`);
  return json as Record<string, unknown>;
}

/** Whether the saved model in `dir` is in the first sessions' layout (`LEGACY_MODEL_FORMAT`). */
export function isLegacyModelFolder(dir: string): boolean {
  return readModelJson(dir)['format'] === LEGACY_MODEL_FORMAT;
}

/** The card's fields a rebuild needs, checked so a damaged or foreign file is a one-line error. */
function checkedCard(file: string, value: unknown): ModelCard {
  const card = value as Record<string, unknown>;
  const wrong = (field: string, what: string) =>
    new UserError(`${file}: the model card's '${field}' is ${JSON.stringify(card[field]) ?? 'missing'}, not ${what}`);
  if (typeof card['arch'] !== 'string') throw wrong('arch', 'an architecture id');
  if (card['options'] === null || typeof card['options'] !== 'object' || Array.isArray(card['options']))
    throw wrong('options', 'an object');
  const shape = card['inputShape'];
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) > 0))
    throw wrong('inputShape', 'a list of positive whole numbers');
  if (!Number.isSafeInteger(card['numClasses']) || (card['numClasses'] as number) < 0)
    throw wrong('numClasses', 'a whole number');
  return card as unknown as ModelCard;
}

/**
 * The card of the saved kd model in `dir` (either layout; reads `model.json` only, not the
 * weights). Anything else — another tfjs model, a damaged card — is a one-line UserError.
 */
export function readModelCard(dir: string): ModelCard {
  const file = join(dir, 'model.json');
  const json = readModelJson(dir);
  if (json['format'] === LEGACY_MODEL_FORMAT) {
    const { format: _format, ...card } = json;
    return checkedCard(file, card);
  }
  const topology = json['modelTopology'] as { kd?: unknown } | null | undefined;
  if (
    json['format'] !== KD_MODEL_FORMAT ||
    topology === null ||
    typeof topology !== 'object' ||
    !topology.kd ||
    typeof topology.kd !== 'object'
  ) {
    throw new UserError(`${file} is not a kd model (format '${String(json['format'] ?? 'none')}')`);
  }
  return checkedCard(file, topology.kd);
}
