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
import { captionedVocabulary } from '../dataset/captioned-vocabulary.js';
import { sharedSceneVocabulary } from './scene-vocabulary.js';
import { classPromptTexts, encodeClassPrompts } from '../dataset/class-prompts.js';
import { WordTokenizer } from '../tokenizer/word-tokenizer.js';
import { indexSceneQuestions } from './scene-question-index.js';
import { sceneVqaOptionsSchema, type SceneVqaOptions } from './scene-vqa-options.js';
import { SceneVqaSplit } from './scene-vqa-split.js';
import { textBatchKeys, textWordsFacet } from '../dataset/text-batch-keys.js';

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/**
 * Visual question answering over scenes: one sample per (scene, question) pair of every split of a
 * `scenes` dataset (the templated questions of `sceneQuestions`, answers from the scenes' answer
 * vocabulary, facet `ANSWER_VOCABULARY`), each question tokenised by a vocabulary built from the train
 * questions and the class prompts. Proposes the `vqa` task.
 */
export class SceneVqaDataset implements Dataset {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly task = 'vqa';
  /** The scenes' keys (with `index` the sample index) plus the question's tokens, its answer scores and id, and `sceneIndex`. */
  readonly batchKeys: BatchKeySpecs;
  /** The scenes' facets (the answer vocabulary among them) plus the question vocabulary's words (`TEXT_WORDS`). */
  readonly facets: Facets;

  constructor(
    readonly scenes: SceneDataset,
    private readonly splits: Readonly<Record<SplitName, SceneVqaSplit>>,
    readonly tokenizer: WordTokenizer,
    readonly text: DataText,
    readonly answers: readonly string[],
  ) {
    this.name = `${scenes.name}-vqa`;
    this.inputShape = scenes.inputShape;
    this.numClasses = scenes.numClasses;
    this.classNames = scenes.classNames;
    const t = text.length;
    this.batchKeys = {
      ...scenes.batchKeys,
      index: { shape: [], dtype: 'int32', description: 'sample (question) index in the split' },
      sceneIndex: { shape: [], dtype: 'int32', description: 'the scene the question is about' },
      ...textBatchKeys(t, 'question'),
      answerScores: {
        shape: [answers.length],
        dtype: 'float32',
        description:
          'VQA soft score of each answer: min(#humans/3, 1); 1 for the one true answer of a templated question',
      },
      answerId: { shape: [], dtype: 'int32', description: 'the answer (index into the answer vocabulary facet)' },
    };
    this.facets = facets(...Object.entries(scenes.facets), textWordsFacet(tokenizer));
  }

  split(name: SplitName): SceneVqaSplit {
    this.scenes.split(name); // reports unknown names
    return this.splits[name];
  }
}

export async function loadSceneVqa(
  options: SceneVqaOptions = {},
  context: DatasetLoadContext = {},
): Promise<SceneVqaDataset> {
  const o = parseDatasetOptions(sceneVqaOptionsSchema, options as Record<string, unknown>);
  const scenes = await loadScenes(o.scenes, context);
  const answers = scenes.split('train').scenes.answerVocabulary.answers;
  const index = Object.fromEntries(
    SPLITS.map((s) => [s, indexSceneQuestions(scenes.split(s).scenes, o.questionsPerScene)]),
  ) as Record<SplitName, ReturnType<typeof indexSceneQuestions>>;
  const train = scenes.split('train').scenes;
  const trainQuestions = Array.from(index.train.scene, (s, i) => ({
    general: [train.get(s).questions[index.train.question[i]!]!.text],
    targeted: [],
  }));
  const promptTexts = classPromptTexts(scenes.classNames, o.prompts);
  const tokenizer = new WordTokenizer(
    o.vocabulary === 'scenes'
      ? sharedSceneVocabulary(scenes, promptTexts, o.minCount)
      : captionedVocabulary(trainQuestions, promptTexts, o.minCount),
  );
  const splits = Object.fromEntries(
    SPLITS.map((s) => [s, new SceneVqaSplit(scenes.split(s), index[s], tokenizer, o.length, answers.length)]),
  ) as Record<SplitName, SceneVqaSplit>;
  return new SceneVqaDataset(
    scenes,
    splits,
    tokenizer,
    {
      vocabSize: tokenizer.vocabulary.size,
      vocabularyId: tokenizer.vocabulary.fingerprint(),
      length: o.length,
      classPrompts: encodeClassPrompts(tokenizer, scenes.classNames, o.prompts, o.length),
    },
    answers,
  );
}

export const sceneVqaProvider: DatasetProvider & { readonly optionsSchema: typeof sceneVqaOptionsSchema } = {
  id: 'scene-vqa',
  description:
    'visual question answering on multi-object scenes (the `scenes` dataset, options.scenes): one sample per (scene, templated question), the question as tokens/tokenMask, ' +
    'answerScores/answerId over the scenes’ answer vocabulary; proposes the vqa task',
  optionsSchema: sceneVqaOptionsSchema,
  load(options: Record<string, unknown>, _seed: number, context?: DatasetLoadContext) {
    return loadSceneVqa(options, context);
  },
};
