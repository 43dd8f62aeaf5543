import { ANSWER_VOCABULARY, ConfigError, facetOf, z, type ModelArchitecture } from '@kd/core';
import { parseOptions } from '../options.js';
import { VlTransformer } from '../vl-transformer.js';
import { VlSceneModel } from '../vl-scene-model.js';
import { ClipDualEncoder } from '../clip-dual-encoder.js';
import { buildModelPart, modelPartSchema } from '../model-part.js';

const positiveInt = z.number().int().positive();

export const vlTransformer: ModelArchitecture = {
  id: 'vl-transformer',
  description:
    'Single-stream vision-language transformer over text tokens + region tokens (features + box geometry + segment), ' +
    'with [CLS], masked-token, image-text matching and relation heads. Options: vocabSize, textLength (16), regions (8), ' +
    'regionFeatures (64), layers (4), dModel (128), heads (4), ffn (512), normFirst, activation, predicates (0), textAttention (bidirectional|causal).',
  build(input) {
    const o = parseOptions('vl-transformer', input.options, {
      vocabSize: positiveInt,
      textLength: positiveInt.default(16),
      regions: positiveInt.default(8),
      regionFeatures: positiveInt.default(64),
      layers: positiveInt.default(4),
      dModel: positiveInt.default(128),
      heads: positiveInt.default(4),
      ffn: positiveInt.default(512),
      normFirst: z.boolean().default(false),
      activation: z.enum(['relu', 'gelu']).default('gelu'),
      predicates: z.number().int().min(0).default(0),
      textAttention: z.enum(['bidirectional', 'causal']).default('bidirectional'),
    });
    return new VlTransformer({ ...o, numClasses: input.numClasses, seed: input.seed });
  },
};

/** A small CLIP (image tower + text tower) for image–text datasets; see ClipDualEncoder. */
export const clip: ModelArchitecture = {
  id: 'clip',
  description:
    'A small CLIP-like dual encoder for image–text datasets (data.dataset: captioned): an image tower (any registered architecture, its embedding projected) ' +
    'and a text encoder in one normalised space; zero-shot logits from class-name prompt ensembles. ' +
    'Options: image ({arch, options}; default cnn), embedDim (64), text ({kind: transformer|bag, dModel, layers, heads, ffn}).',
  build(input) {
    const o = parseOptions('clip', input.options, {
      image: modelPartSchema.default({ arch: 'cnn', options: {} }),
      embedDim: positiveInt.default(64),
      text: z
        .object({
          kind: z.enum(['transformer', 'bag']).default('transformer'),
          dModel: positiveInt.default(64),
          layers: positiveInt.default(2),
          heads: positiveInt.default(4),
          ffn: positiveInt.default(128),
        })
        .strict()
        .default({ kind: 'transformer', dModel: 64, layers: 2, heads: 4, ffn: 128 }),
    });
    const text = input.data?.text;
    if (!text)
      throw new ConfigError(
        'arch',
        'clip needs an image–text dataset with a vocabulary (e.g. data.dataset: captioned)',
      );
    if (o.image.arch === 'clip') throw new ConfigError('options.image.arch', 'the image tower cannot be another clip');
    // the tower is any architecture of the run (a plugin's included)
    const image = buildModelPart(input, 'options.image', o.image);
    return new ClipDualEncoder({
      image,
      embedDim: o.embedDim,
      text: o.text,
      data: text,
      numClasses: input.numClasses,
      seed: input.seed + 1,
    });
  },
};

/** The options of a vl-scene's backbone and transformer (shared by architectures that build one inside, e.g. rvl-bert). */
export const vlSceneEncoderOptions = {
  width: positiveInt.default(16),
  pool: positiveInt.default(2),
  layers: positiveInt.default(2),
  dModel: positiveInt.default(64),
  heads: positiveInt.default(4),
  ffn: positiveInt.default(128),
  normFirst: z.boolean().default(false),
  activation: z.enum(['relu', 'gelu']).default('gelu'),
};

export const vlScene: ModelArchitecture = {
  id: 'vl-scene',
  description:
    'Vision-language model over images with region proposals (data: scene-captions): small CNN backbone (stride 4) → RoIAlign of the first R proposals → ' +
    'vl-transformer over caption tokens + region tokens. Options: width (16), pool (2), regions (8), proposals ("" | "biased"), layers (2), dModel (64), ' +
    'heads (4), ffn (128), normFirst, activation, predicates (0), textAttention, head (classes: the [CLS] head over the object classes | answers: over the answer vocabulary, for VQA), ' +
    "textVisual (VL-BERT: the whole image's region vector added to every text token's embedding), mlmTransform (BERT's Dense–GELU–LayerNorm before the masked-token classifier).",
  build(input) {
    const o = parseOptions('vl-scene', input.options, {
      ...vlSceneEncoderOptions,
      regions: positiveInt.default(8),
      proposals: z.string().default(''),
      predicates: z.number().int().min(0).default(0),
      textAttention: z.enum(['bidirectional', 'causal']).default('bidirectional'),
      head: z.enum(['classes', 'answers']).default('classes'),
      textVisual: z.boolean().default(false),
      mlmTransform: z.boolean().default(false),
    });
    const text = input.data?.text;
    if (!text)
      throw new ConfigError(
        'arch',
        'vl-scene needs scenes with captions and a vocabulary (data.dataset: scene-captions)',
      );
    const answers =
      o.head === 'answers' ? (input.data ? facetOf(input.data, ANSWER_VOCABULARY) : undefined) : undefined;
    if (o.head === 'answers' && !answers)
      throw new ConfigError(
        'options.head',
        `'answers' sizes the [CLS] head by the dataset's answer vocabulary, and dataset '${input.data?.name}' has none (use data.dataset: scene-vqa)`,
      );
    const numClasses = answers ? answers.length : input.numClasses;
    return new VlSceneModel({
      ...o,
      inputShape: input.inputShape,
      vocabSize: text.vocabSize,
      textLength: text.length,
      numClasses,
      seed: input.seed,
    });
  },
};
