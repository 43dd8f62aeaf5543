import { ConfigError, facetOf, PREDICATE_NAMES, TEXT_WORDS, z, type ModelArchitecture } from '@kd/core';
import { parseOptions } from '../options.js';
import { RvlBertModel } from '../rvl-bert/rvl-bert-model.js';
import { vlSceneEncoderOptions } from './vision-language.js';

const positiveInt = z.number().int().positive();

/** A class name's word ids in the text vocabulary (lower-cased, split on spaces); a missing word is a ConfigError. */
function classWordIds(names: readonly string[], words: readonly string[]): number[][] {
  const index = new Map(words.map((w, i) => [w, i]));
  return names.map((name) =>
    name
      .toLowerCase()
      .split(/\s+/)
      .filter(Boolean)
      .map((word) => {
        const id = index.get(word);
        if (id === undefined)
          throw new ConfigError(
            'arch',
            `rvl-bert writes each object's class name in its text, and '${word}' (class '${name}') is not in the dataset's vocabulary`,
          );
        return id;
      }),
  );
}

/** A predicate name's word ids ('left-of' → left, of), the words the vocabulary lacks left out. */
function predicateWordIds(names: readonly string[], words: readonly string[]): number[][] {
  const index = new Map(words.map((w, i) => [w, i]));
  return names.map((name) =>
    name
      .toLowerCase()
      .split(/[\s-]+/)
      .flatMap((w) => (index.has(w) ? [index.get(w)!] : [])),
  );
}

export const rvlBert: ModelArchitecture = {
  id: 'rvl-bert',
  description:
    "RVL-BERT (predicate detection): per ordered pair of annotated boxes, '[CLS] subject object [SEP] [MASK] [SEP]' and four RoIs (image, subject, union, object) " +
    'through a VL encoder (a vl-scene with textVisual: load a pre-trained one with student.init {recipe, map: {"": encoder}} and freeze it), ' +
    "the answer head on [MASK] over background + predicates (relationLogits). Options: the encoder's (width 16, pool 2, layers 2, dModel 64, heads 4, ffn 128, " +
    'normFirst, activation, mlmTransform true: as the pre-trained model), spatial (vrd | spatialsense | none), maskAttention (false), maskPool (7), ' +
    'maskEpsilon (1e-6; 0: the official code, NaN on a constant map), unionMargin (1 px), ' +
    'query (false; true: SpatialSense-like, the text names the queried predicate (batch key pairQuery) between subject and object: task triple-verification).',
  build(input) {
    const o = parseOptions('rvl-bert', input.options, {
      ...vlSceneEncoderOptions,
      mlmTransform: z.boolean().default(true),
      spatial: z.enum(['vrd', 'spatialsense', 'none']).default('vrd'),
      maskAttention: z.boolean().default(false),
      maskPool: positiveInt.default(7),
      maskEpsilon: z.number().min(0).default(1e-6),
      unionMargin: z.number().min(0).default(1),
      query: z.boolean().default(false),
    });
    const data = input.data;
    const text = data?.text;
    const vocabulary = data ? facetOf(data, TEXT_WORDS) : undefined;
    const predicates = data ? facetOf(data, PREDICATE_NAMES) : undefined;
    if (!text || !vocabulary || !predicates || !data?.classNames)
      throw new ConfigError(
        'arch',
        'rvl-bert needs scenes with a text vocabulary, class names and relationship predicates (data.dataset: scene-captions)',
      );
    const mask = vocabulary.words.indexOf('[MASK]');
    if (mask < 0)
      throw new ConfigError('arch', "rvl-bert's text has a [MASK] token, and the dataset's vocabulary has none");
    const { spatial, maskAttention, maskPool, maskEpsilon, unionMargin, query, ...encoder } = o;
    return new RvlBertModel({
      encoder: {
        ...encoder,
        inputShape: input.inputShape,
        proposals: '',
        regions: 4,
        vocabSize: text.vocabSize,
        textLength: text.length,
        numClasses: input.numClasses,
        predicates: 0,
        textAttention: 'bidirectional',
        textVisual: true,
        seed: input.seed,
      },
      predicates: predicates.length,
      spatial,
      maskAttention,
      maskPool,
      maskEpsilon,
      unionMargin,
      query,
      classWords: classWordIds(data.classNames, vocabulary.words),
      predicateWords: predicateWordIds(predicates, vocabulary.words),
      ids: { cls: vocabulary.cls, sep: vocabulary.sep, pad: vocabulary.pad, mask },
      seed: input.seed,
    });
  },
};
