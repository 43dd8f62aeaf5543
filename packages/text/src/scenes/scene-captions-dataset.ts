import {
  facets,
  type BatchKeySpecs,
  type DataText,
  type Dataset,
  type DatasetLoadContext,
  type DatasetProvider,
  type Facets,
  type SplitName,
} from '@kd/core';
import { loadScenes, parseDatasetOptions, type SceneDataset } from '@kd/data';
import { classPromptTexts, encodeClassPrompts } from '../dataset/class-prompts.js';
import { captionedVocabulary } from '../dataset/captioned-vocabulary.js';
import { sharedSceneVocabulary } from './scene-vocabulary.js';
import { WordTokenizer } from '../tokenizer/word-tokenizer.js';
import { sceneCaptionsOptionsSchema, type SceneCaptionsOptions } from './scene-captions-options.js';
import { SceneCaptionsSplit } from './scene-captions-split.js';
import { textBatchKeys, textWordsFacet } from '../dataset/text-batch-keys.js';

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/**
 * Scenes with captions, for vision-language pre-training (masked tokens + image–text matching) and
 * the VL methods: every split of a `scenes` dataset, each batch with its scenes' reading-order
 * captions tokenised by a vocabulary built from the train captions and the class prompts.
 */
export class SceneCaptionsDataset implements Dataset {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly task: string | undefined;
  /** The scenes' keys plus `tokens` and `tokenMask` of the captions. */
  readonly batchKeys: BatchKeySpecs;
  /** The scenes' facets plus the caption vocabulary's words (`TEXT_WORDS`). */
  readonly facets: Facets;

  constructor(
    readonly scenes: SceneDataset,
    private readonly splits: Readonly<Record<SplitName, SceneCaptionsSplit>>,
    readonly tokenizer: WordTokenizer,
    readonly text: DataText,
  ) {
    this.name = `${scenes.name}-captions`;
    this.inputShape = scenes.inputShape;
    this.numClasses = scenes.numClasses;
    this.classNames = scenes.classNames;
    this.task = scenes.task;
    const t = text.length;
    this.batchKeys = {
      ...scenes.batchKeys,
      ...textBatchKeys(t, 'caption'),
    };
    this.facets = facets(...Object.entries(scenes.facets), textWordsFacet(tokenizer));
  }

  split(name: SplitName): SceneCaptionsSplit {
    this.scenes.split(name); // reports unknown names
    return this.splits[name];
  }
}

export async function loadSceneCaptions(
  options: SceneCaptionsOptions = {},
  context: DatasetLoadContext = {},
): Promise<SceneCaptionsDataset> {
  const o = parseDatasetOptions(sceneCaptionsOptionsSchema, options as Record<string, unknown>);
  const scenes = await loadScenes(o.scenes, context);
  const train = scenes.split('train');
  const trainCaptions = Array.from({ length: train.size }, (_, i) => ({
    general: [train.scenes.get(i).caption],
    targeted: [],
  }));
  const promptTexts = classPromptTexts(scenes.classNames, o.prompts);
  const tokenizer = new WordTokenizer(
    o.vocabulary === 'scenes'
      ? sharedSceneVocabulary(scenes, promptTexts, o.minCount)
      : captionedVocabulary(trainCaptions, promptTexts, o.minCount),
  );
  const splits = Object.fromEntries(
    SPLITS.map((s) => [s, new SceneCaptionsSplit(scenes.split(s), tokenizer, o.length)]),
  ) as Record<SplitName, SceneCaptionsSplit>;
  return new SceneCaptionsDataset(scenes, splits, tokenizer, {
    vocabSize: tokenizer.vocabulary.size,
    vocabularyId: tokenizer.vocabulary.fingerprint(),
    length: o.length,
    classPrompts: encodeClassPrompts(tokenizer, scenes.classNames, o.prompts, o.length),
  });
}

export const sceneCaptionsProvider: DatasetProvider & { readonly optionsSchema: typeof sceneCaptionsOptionsSchema } = {
  id: 'scene-captions',
  description:
    'multi-object scenes (the `scenes` dataset, options.scenes) with their reading-order captions as tokens/tokenMask, for VL pre-training (masked tokens, image–text matching) and the VL methods',
  optionsSchema: sceneCaptionsOptionsSchema,
  load(options: Record<string, unknown>, _seed: number, context?: DatasetLoadContext) {
    return loadSceneCaptions(options, context);
  },
};
