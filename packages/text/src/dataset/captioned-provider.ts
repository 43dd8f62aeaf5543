import {
  ConfigError,
  resolveConfigPath,
  type DatasetLoadContext,
  type DatasetProvider,
  type SplitName,
} from '@kd/core';
import { loadFashionMnist, loadMnist, loadMnistFashion, parseDatasetOptions, type ArrayDataset } from '@kd/data';
import { arraySplitSamples } from '../captions/array-split-samples.js';
import { cachedCaptions } from '../captions/caption-cache.js';
import type { CaptionProvider, SampleCaptions } from '../captions/caption-provider.js';
import { JsonlCaptionFile } from '../captions/jsonl-caption-file.js';
import { TemplateCaptioner } from '../captions/template-captioner.js';
import { WordTokenizer } from '../tokenizer/word-tokenizer.js';
import { CaptionedDataset } from './captioned-dataset.js';
import { captionedOptionsSchema, type CaptionedOptions, type ResolvedCaptionedOptions } from './captioned-options.js';
import { CaptionedSplit } from './captioned-split.js';
import { captionedVocabulary } from './captioned-vocabulary.js';
import { classPromptTexts, encodeClassPrompts } from './class-prompts.js';

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** Loads the base dataset; its option errors name `data.options.baseOptions.<key>`. */
async function loadBase(
  base: ResolvedCaptionedOptions['base'],
  options: Record<string, unknown>,
  context: DatasetLoadContext,
): Promise<ArrayDataset> {
  try {
    if (base === 'mnist+fashion-mnist') return await loadMnistFashion(options, context);
    return base === 'mnist' ? await loadMnist(options) : loadFashionMnist(options, context);
  } catch (e) {
    if (!(e instanceof ConfigError) || !e.path.startsWith('data.options')) throw e;
    const path = e.path.replace(/^data\.options/, 'data.options.baseOptions');
    const detail = e.message.slice(e.message.indexOf("': ") + 3);
    throw new ConfigError(path, detail);
  }
}

/**
 * A base image dataset (MNIST, Fashion-MNIST, or both: `mnist+fashion-mnist`) with captions for every sample of every split
 * (template captioner or JSON Lines file, cached under `cacheDir`), a word vocabulary built from
 * the train captions and the class prompts, and the tokenised class prompts (`text`).
 */
export async function loadCaptioned(
  options: CaptionedOptions = {},
  context: DatasetLoadContext = {},
): Promise<CaptionedDataset> {
  const o = parseDatasetOptions(captionedOptionsSchema, options as Record<string, unknown>);
  const base = await loadBase(o.base, o.baseOptions, context);
  const provider: CaptionProvider =
    o.captions === 'file'
      ? new JsonlCaptionFile(resolveConfigPath(context.baseDir, o.file!))
      : new TemplateCaptioner({ seed: o.captionSeed, knowledge: o.base, classNames: base.classNames });
  const captions = {} as Record<SplitName, SampleCaptions[]>;
  const cache = {} as Record<SplitName, { path: string; provider: string; fromCache: boolean }>;
  for (const name of SPLITS) {
    const samples = arraySplitSamples(base.split(name), base.inputShape);
    const made = cachedCaptions({ cacheDir: o.cacheDir, provider, dataset: base.name, split: name, samples });
    captions[name] = made.captions;
    cache[name] = { path: made.path, provider: provider.id, fromCache: made.fromCache };
  }
  const promptTexts = classPromptTexts(base.classNames, o.prompts);
  const tokenizer = new WordTokenizer(captionedVocabulary(captions.train, promptTexts, o.minCount));
  const make = (name: SplitName) =>
    new CaptionedSplit(base.split(name), captions[name], tokenizer, o.length, { kinds: o.captionKinds });
  return new CaptionedDataset(
    base,
    { train: make('train'), val: make('val'), test: make('test') },
    tokenizer,
    {
      vocabSize: tokenizer.vocabulary.size,
      vocabularyId: tokenizer.vocabulary.fingerprint(),
      length: o.length,
      classPrompts: encodeClassPrompts(tokenizer, base.classNames, o.prompts, o.length),
    },
    cache,
  );
}

export const captionedProvider: DatasetProvider & { readonly optionsSchema: typeof captionedOptionsSchema } = {
  id: 'captioned',
  description:
    'image–caption pairs for CLIP-style training: MNIST, Fashion-MNIST or both in one 20-class set (options.base: mnist+fashion-mnist) with a caption per sample from the template captioner or a JSON Lines file; ' +
    'batches add tokens/tokenMask of one caption per sample, and data.text holds the tokenised class-name prompts for zero-shot classification',
  optionsSchema: captionedOptionsSchema,
  load(options: Record<string, unknown>, _seed: number, context?: DatasetLoadContext) {
    return loadCaptioned(options, context);
  },
};
