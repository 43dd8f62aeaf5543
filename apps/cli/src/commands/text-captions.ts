import { UserError, findDataset, type SplitName } from '@kd/core';
import { ArraySplit } from '@kd/data';
import { loadConfigFile } from '@kd/runner';
import {
  CaptionedDataset,
  JsonlCaptionFile,
  KNOWLEDGE_TABLES,
  TemplateCaptioner,
  arraySplitSamples,
  cachedCaptions,
  captionedProvider,
  captionTexts,
  type CaptionProvider,
} from '@kd/text';
import type { Io } from '../io.js';
import { loadHost, pluginRequests } from '../plugins/index.js';

export interface CaptionFlags {
  readonly set: readonly string[];
  readonly split: SplitName;
  readonly count?: number;
  readonly file?: string;
  readonly key: 'source' | 'index';
  readonly show: number;
}

/**
 * `kd text captions <config>`: captions a split of the config's dataset once and caches them
 * (`<cacheDir>/captions/<hash>.json`): with the built-in template captioner (the stand-in VLM), or
 * from a JSON Lines file written by a real VLM (`--file`). Lines are matched by the sample's source
 * index (`--key source`, stable across splits) or its index in the split (`--key index`).
 */
export async function textCaptionsCommand(configPath: string, flags: CaptionFlags, io: Io): Promise<void> {
  const config = loadConfigFile(configPath, flags.set);
  const { host } = await loadHost(pluginRequests(config));
  const datasetProvider = findDataset(host, config.data.dataset);
  // A `captioned` config says itself how its samples are captioned: loading it captions every split
  // and caches the result (exactly what its runs will read), so options that would say otherwise are
  // refused first — before anything is written.
  const ownCaptions = config.data.dataset === captionedProvider.id;
  if (ownCaptions && (flags.file !== undefined || flags.count !== undefined || flags.key !== 'source')) {
    throw new UserError(
      `${configPath}: dataset 'captioned' captions its samples as data.options says (captions, file); drop --file, --count and --key, or point to a config of its base dataset`,
    );
  }
  const dataset = await datasetProvider.load(config.data.options ?? {}, config.seed, { baseDir: config.baseDir });
  if (dataset instanceof CaptionedDataset && dataset.captionCache) {
    const split = dataset.split(flags.split);
    const made = dataset.captionCache[flags.split];
    io.out(
      `${made.fromCache ? 'cached' : 'captioned'}: ${split.size} ${flags.split} samples of ${dataset.base.name} by ${made.provider} → ${made.path}\n`,
    );
    for (const [i, c] of split.captions.slice(0, flags.show).entries())
      io.out(`  #${i} (${dataset.classNames[split.labels[i]!]}): ${captionTexts(c).join(' | ')}\n`);
    return;
  }
  const split = dataset.split(flags.split);
  if (!(split instanceof ArraySplit))
    throw new UserError(`dataset '${config.data.dataset}' is not an image classification set: it cannot be captioned`);
  let samples = arraySplitSamples(split, dataset.inputShape);
  if (flags.count !== undefined) samples = samples.slice(0, flags.count);
  if (flags.key === 'index') samples = samples.map((s) => ({ ...s, id: s.index }));
  let provider: CaptionProvider;
  if (flags.file) provider = new JsonlCaptionFile(flags.file);
  else {
    const knowledge = Object.keys(KNOWLEDGE_TABLES).find((k) => dataset.name === k || dataset.name.startsWith(`${k}-`));
    if (!knowledge)
      throw new UserError(
        `no built-in class knowledge for dataset '${dataset.name}' (have: ${Object.keys(KNOWLEDGE_TABLES).join(', ')}); pass --file captions.jsonl`,
      );
    provider = new TemplateCaptioner({ seed: config.seed, knowledge, classNames: dataset.classNames });
  }
  const part = `${flags.split}${flags.count !== undefined ? `[0:${samples.length}]` : ''}/${flags.key}`;
  const { captions, path, fromCache } = cachedCaptions({
    cacheDir: config.cacheDir,
    provider,
    dataset: dataset.name,
    split: part,
    samples,
  });
  io.out(
    `${fromCache ? 'cached' : 'captioned'}: ${samples.length} ${flags.split} samples of ${dataset.name} by ${provider.id} → ${path}\n`,
  );
  for (const [i, c] of captions.slice(0, flags.show).entries()) {
    const s = samples[i]!;
    io.out(`  #${s.id} (${dataset.classNames[s.label]}): ${[...c.general, ...c.targeted].join(' | ')}\n`);
  }
}
