import { ClipDualEncoder, clipClassEmbeddings } from '@kd/models';
import { loadConfigFile, parseRunConfig, recipeRun, RunFolder, withSavedStudent } from '@kd/runner';
import { UserError, findDataset } from '@kd/core';
import { captionedOptionsSchema, captionedProvider, type WordTokenizer } from '@kd/text';
import { classNamesEmbeddings } from './class-names-embeddings.js';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Io } from '../io.js';
import { loadHost, pluginRequests } from '../plugins/index.js';

export interface ClassEmbeddingsFlags {
  readonly out: string;
  readonly set: readonly string[];
  /** A config file whose dataset's (`data` section's) class names are embedded instead of the teacher's own. */
  readonly classesOf?: string;
}

const isFolder = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * `kd text class-embeddings <teacher>`: writes the class-embeddings file of a CLIP-like teacher (the
 * `clip` dual encoder): its text tower's prompt-ensemble embedding of each of its dataset's class
 * names (ViLD-text's classifier, `region-detector` `options.classifier.embeddings`). The teacher is a
 * finished run folder (a recipe's cache folder is one) or a config file, run once as a recipe into
 * the cache unless it is there already — the same cache entry a teacher's `recipe:` uses.
 *
 * With `classesOf` (a config file), the class names are that config's dataset's instead, in its
 * order — by the same text tower and prompts — so the file passes the detector's class check on that
 * dataset (transfer without fine-tuning: swap the classifier). A class name with a word the
 * teacher's vocabulary lacks is a `UserError` naming it.
 */
export async function textClassEmbeddingsCommand(source: string, flags: ClassEmbeddingsFlags, io: Io): Promise<void> {
  const folder = isFolder(source);
  if (folder && flags.set.length) throw new UserError(`--set applies to a config file, not to run folder ${source}`);
  const config = folder
    ? parseRunConfig(new RunFolder(source).readJson('config.json'))
    : loadConfigFile(source, flags.set);
  const other = flags.classesOf !== undefined ? loadConfigFile(flags.classesOf) : undefined;
  const { host } = await loadHost(pluginRequests(config, ...(other ? [other] : [])));
  const classesOf = other
    ? {
        path: flags.classesOf!,
        dataset: await findDataset(host, other.data.dataset).load(other.data.options ?? {}, other.seed, {
          baseDir: other.baseDir,
        }),
      }
    : undefined;
  const runDir = resolve(folder ? source : await recipeRun(host, config, { log: (line) => io.err(`${line}\n`) }));
  const file = await withSavedStudent(host, runDir, (run) => {
    const model = run.student.model;
    if (!(model instanceof ClipDualEncoder))
      throw new UserError(
        `${source}: its student is a '${model.arch}', not a CLIP-like dual encoder (arch clip): it has no text tower`,
      );
    const prompts =
      run.config.data.dataset === captionedProvider.id
        ? captionedOptionsSchema.parse(run.config.data.options ?? {}).prompts
        : undefined;
    const about = {
      teacher: runDir,
      arch: model.arch,
      dataset: run.dataset.name,
      ...(prompts ? { prompts } : {}),
      ensemble: 'mean of the normalised prompt embeddings, renormalised',
      ...(run.dataset.text?.vocabularyId ? { vocabularyId: run.dataset.text.vocabularyId } : {}),
    };
    if (!classesOf) return clipClassEmbeddings(model, run.dataset.classNames, about);
    const tokenizer = (run.dataset as { tokenizer?: WordTokenizer }).tokenizer;
    if (!prompts || !tokenizer || !run.dataset.text)
      throw new UserError(
        `--classes-of: teacher ${source} was trained on '${run.config.data.dataset}', not on the captioned dataset: its class prompts are unknown`,
      );
    const names = classesOf.dataset.classNames;
    const embeddings = classNamesEmbeddings(
      model,
      { tokenizer, length: run.dataset.text.length, prompts },
      names,
      `--classes-of ${classesOf.path} (${classesOf.dataset.name})`,
    );
    return {
      classes: [...names],
      dim: embeddings[0]?.length ?? 0,
      embeddings,
      source: { ...about, classesOf: { config: resolve(classesOf.path), dataset: classesOf.dataset.name } },
    };
  });
  mkdirSync(dirname(resolve(flags.out)), { recursive: true });
  writeFileSync(flags.out, `${JSON.stringify(file)}\n`);
  const of = classesOf ? ` for the classes of ${classesOf.dataset.name} (${flags.classesOf})` : '';
  io.out(`${file.classes.length} class embeddings (${file.dim}-d) of ${runDir}${of} → ${flags.out}\n`);
}
