import { UserError } from '@kd/core';
import { ClipDualEncoder, clipClassEmbeddings } from '@kd/models';
import { loadConfigFile, parseRunConfig, recipeRun, RunFolder, withSavedStudent } from '@kd/runner';
import { captionedOptionsSchema, captionedProvider } from '@kd/text';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Io } from '../io.js';
import { loadHost, pluginRequests } from '../plugins/index.js';

export interface ClassEmbeddingsFlags {
  readonly out: string;
  readonly set: readonly string[];
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
 */
export async function textClassEmbeddingsCommand(source: string, flags: ClassEmbeddingsFlags, io: Io): Promise<void> {
  const folder = isFolder(source);
  if (folder && flags.set.length) throw new UserError(`--set applies to a config file, not to run folder ${source}`);
  const config = folder
    ? parseRunConfig(new RunFolder(source).readJson('config.json'))
    : loadConfigFile(source, flags.set);
  const { host } = await loadHost(pluginRequests(config));
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
    return clipClassEmbeddings(model, run.dataset.classNames, {
      teacher: runDir,
      arch: model.arch,
      dataset: run.dataset.name,
      ...(prompts ? { prompts } : {}),
      ensemble: 'mean of the normalised prompt embeddings, renormalised',
      ...(run.dataset.text?.vocabularyId ? { vocabularyId: run.dataset.text.vocabularyId } : {}),
    });
  });
  mkdirSync(dirname(resolve(flags.out)), { recursive: true });
  writeFileSync(flags.out, `${JSON.stringify(file)}\n`);
  io.out(`${file.classes.length} class embeddings (${file.dim}-d) of ${runDir} → ${flags.out}\n`);
}
