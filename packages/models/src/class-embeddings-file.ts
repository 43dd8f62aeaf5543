import { readFileSync } from 'node:fs';
import { resolveConfigPath, UserError, type ModelBuildInput } from '@kd/core';
import type { ClipDualEncoder } from './clip-dual-encoder.js';

/**
 * A file of class-name text embeddings (ViLD's classifier): JSON `{classes, dim, embeddings, source}`,
 * `embeddings[k]` the L2-normalised embedding of `classes[k]` (a prompt ensemble of a text tower), `dim`
 * numbers each; `source` says where they came from (the teacher run, its prompts).
 */
export interface ClassEmbeddingsFile {
  readonly classes: readonly string[];
  readonly dim: number;
  readonly embeddings: readonly (readonly number[])[];
  readonly source: Record<string, unknown>;
}

/** Checks the shape of a parsed class-embeddings file; `where` names it in the one-line error. */
export function checkClassEmbeddings(where: string, value: unknown): ClassEmbeddingsFile {
  const bad = (why: string): never => {
    throw new UserError(`${where}: not a class-embeddings file (${why})`);
  };
  if (typeof value !== 'object' || value === null) return bad('not a JSON object');
  const v = value as Partial<Record<keyof ClassEmbeddingsFile, unknown>>;
  if (!Array.isArray(v.classes) || !v.classes.every((c) => typeof c === 'string'))
    return bad('classes: a list of class names expected');
  if (typeof v.dim !== 'number' || !Number.isInteger(v.dim) || v.dim <= 0)
    return bad('dim: a positive integer expected');
  const dim = v.dim;
  if (!Array.isArray(v.embeddings) || v.embeddings.length !== v.classes.length)
    return bad(`embeddings: one per class expected (${v.classes.length})`);
  v.embeddings.forEach((row: unknown, k) => {
    if (!Array.isArray(row) || row.length !== dim || !row.every((x) => typeof x === 'number' && Number.isFinite(x)))
      bad(`embeddings[${k}]: ${dim} finite numbers expected`);
  });
  const source = typeof v.source === 'object' && v.source !== null ? (v.source as Record<string, unknown>) : {};
  return { classes: v.classes as string[], dim, embeddings: v.embeddings as number[][], source };
}

/** Reads and checks a class-embeddings file. */
export function readClassEmbeddings(path: string): ClassEmbeddingsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(
      `class-embeddings file not found: ${path} (make it with 'kd text class-embeddings <clip teacher> --out <file>')`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError(`${path}: not a class-embeddings file (not valid JSON)`);
  }
  return checkClassEmbeddings(path, parsed);
}

/**
 * Checks that a file's classes are the dataset's, in order (one-line error naming the file): the
 * classifier's column k must be the dataset's class k.
 */
export function checkEmbeddingClasses(where: string, file: ClassEmbeddingsFile, classNames: readonly string[]): void {
  const same = file.classes.length === classNames.length && file.classes.every((c, k) => c === classNames[k]);
  if (!same)
    throw new UserError(
      `${where}: its classes [${file.classes.join(', ')}] are not the dataset's [${classNames.join(', ')}] (make it for this dataset's class names)`,
    );
}

/**
 * An architecture's class-embeddings option (`options.classifier.embeddings` of region-detector,
 * `options.embeddings` of crop-classifier-detector): the file at `path` (relative to the config's
 * folder) read and checked against the dataset's class names, in order (`where` names the option in
 * the one-line error). The embeddings [K · D] row-major, and D.
 */
export function classEmbeddingsOption(
  where: string,
  path: string,
  input: Pick<ModelBuildInput, 'baseDir' | 'data' | 'numClasses'>,
): { text: Float32Array; dim: number } {
  const resolved = resolveConfigPath(input.baseDir, path);
  const file = readClassEmbeddings(resolved);
  const names =
    input.data?.classNames ?? Array.from({ length: input.numClasses }, (_, k) => file.classes[k] ?? `#${k}`);
  checkEmbeddingClasses(`${where} ${resolved}`, file, names);
  return { text: Float32Array.from(file.embeddings.flat()), dim: file.dim };
}

/**
 * The class-embeddings file of a CLIP-like dual encoder: its text tower's embedding of each class's
 * prompt ensemble (the dataset's class prompts: the mean of the normalised embeddings of the prompts,
 * renormalised — `ClipDualEncoder.classEmbeddings`, as CLIP and ViLD do), for `classNames` (the
 * dataset's, in order), with `source` recorded.
 */
export function clipClassEmbeddings(
  model: ClipDualEncoder,
  classNames: readonly string[],
  source: Record<string, unknown>,
): ClassEmbeddingsFile {
  const t = model.classEmbeddings();
  const [k, dim] = t.shape;
  const values = t.arraySync();
  t.dispose();
  if (k !== classNames.length) throw new Error(`clip: ${k} class embeddings for ${classNames.length} class names`);
  return { classes: [...classNames], dim, embeddings: values, source };
}
