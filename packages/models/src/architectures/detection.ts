import { BASE_NOVEL_CLASSES, ConfigError, facetOf, z, type ModelArchitecture, type ModelBuildInput } from '@kd/core';
import { classEmbeddingsOption } from '../class-embeddings-file.js';
import { parseOptions } from '../options.js';
import { ENSEMBLE_LAMBDA } from '../ensemble-scores.js';
import { RegionDetector, type EnsembleConfig, type TextClassifierConfig } from '../region-detector.js';
import { RPN_DEFAULTS, type RpnConfig } from '../rpn-regions.js';

const positiveInt = z.number().int().positive();

/** `options.rpn`: true (every default) or the fields to change; absent or false: no RPN. */
const rpnOption = z
  .union([
    z.boolean(),
    z
      .object({
        sizes: z.array(z.number().positive()).min(1).optional(),
        ratios: z.array(z.number().positive()).min(1).optional(),
        convs: z.number().int().min(0).optional(),
        preNms: positiveInt.optional(),
        nmsIou: z.number().gt(0).max(1).optional(),
        minSize: z.number().min(0).optional(),
        addGtBoxes: z.boolean().optional(),
      })
      .strict(),
  ])
  .default(false)
  .transform((v): RpnConfig | undefined => {
    if (v === false) return undefined;
    if (v === true) return RPN_DEFAULTS;
    const defined = Object.fromEntries(Object.entries(v).filter(([, value]) => value !== undefined));
    return { ...RPN_DEFAULTS, ...defined };
  });

/** `options.classifier`: ViLD-text's classifier from a class-embeddings file (absent: a linear classifier). */
const classifierOption = z
  .object({
    embeddings: z.string().min(1),
    temperature: z.number().positive().default(0.01),
    novel: z.enum(['mask', 'remove']).default('mask'),
  })
  .strict()
  .optional();

/** `options.distill`: ViLD-image's distillation proposals (absent: none). */
const distillOption = z
  .object({
    proposals: z.string().default(''),
    count: positiveInt.default(300),
  })
  .strict()
  .optional();

/** `options.ensemble`: ViLD-ensemble, true (λ 2/3) or `{ lambda }`; absent or false: none. */
const ensembleOption = z
  .union([z.boolean(), z.object({ lambda: z.number().min(0).max(1).default(ENSEMBLE_LAMBDA) }).strict()])
  .default(false)
  .transform((v): EnsembleConfig | undefined => {
    if (v === false) return undefined;
    return v === true ? { lambda: ENSEMBLE_LAMBDA } : v;
  });

/**
 * The text classifier of `options.classifier`: the embeddings file read (relative to the config's
 * folder) and checked against the dataset's class names; the novel classes from its base/novel split.
 */
function textClassifierOf(
  o: NonNullable<z.infer<typeof classifierOption>>,
  input: ModelBuildInput,
): TextClassifierConfig {
  const { text, dim } = classEmbeddingsOption('region-detector: options.classifier.embeddings', o.embeddings, input);
  const novelClasses = (input.data && facetOf(input.data, BASE_NOVEL_CLASSES)?.novel) ?? [];
  return { text, dim, temperature: o.temperature, novel: o.novel, novelClasses };
}

/** A small detector over region proposals for the `detection` task; see RegionDetector. */
export const regionDetector: ModelArchitecture = {
  id: 'region-detector',
  description:
    "Small Fast R-CNN-style detector over the batch's region proposals (data: scenes): CNN backbone (stride 4) → RoIAlign of the first R proposals → " +
    'conv/FC head → background + K class logits and class-agnostic box deltas per region; image-level logits = best region score per class. ' +
    'With rpn (Faster R-CNN) it proposes the R regions itself: an RPN head (conv3x3 + two 1×1 convs) over anchors of a few sizes and ratios 0.5, 1, 2 ' +
    '(taps anchors, rpnObjectness, rpnDeltas, trained by the detection task), decoded, clipped, NMS, top R; annotated boxes added in training. ' +
    'With classifier (ViLD-text) the regions are classified by cosines with frozen class-name text embeddings from a file and a learnable background embedding, / τ ' +
    '(the region embedding projected to their size and normalised: tap regionVisualEmbedding); novel classes masked (logit × 0) or removed in training. ' +
    'Options: width (8), regions (32), proposals ("" | "biased" | "objects"), pool (4), sampling (2), headConvs (1), hidden (64), ' +
    'rpn (off; true or { sizes [16, 32], ratios [0.5, 1, 2], convs 1, preNms 1000, nmsIou 0.7, minSize 0.001, addGtBoxes true }), ' +
    'classifier (linear; or { embeddings: <class-embeddings.json>, temperature 0.01, novel mask | remove }), ' +
    'distill (ViLD-image, with classifier: { proposals "", count 300 }: the first M proposals of a batch proposal source through the same head and projection, taps distillEmbedding [M, D] and distillMask [M]), ' +
    'ensemble (ViLD-ensemble, with classifier and distill: true or { lambda 2/3 }: a second head tower imageHead.* of the same shape gives distillEmbedding, the text tower regionLogits; ' +
    'tap regionScores [R, K+1] = text^λ·image^(1−λ) on base classes, text^(1−λ)·image^λ on novel ones, which the detection task evaluates with).',
  build(input) {
    const o = parseOptions('region-detector', input.options, {
      width: positiveInt.default(8),
      regions: positiveInt.default(32),
      proposals: z.string().default(''),
      pool: positiveInt.default(4),
      sampling: positiveInt.default(2),
      headConvs: z.number().int().min(0).default(1),
      hidden: positiveInt.default(64),
      rpn: rpnOption,
      classifier: classifierOption,
      distill: distillOption,
      ensemble: ensembleOption,
    });
    if (o.distill && !o.classifier)
      throw new ConfigError(
        'options.distill',
        'region-detector: the distillation proposals are embedded by the text classifier’s projection; set options.classifier too',
      );
    if (o.ensemble && !(o.classifier && o.distill))
      throw new ConfigError(
        'options.ensemble',
        `region-detector: the ensemble mixes the text classifier's scores with an image head trained by ViLD-image; set options.${o.classifier ? 'distill' : 'classifier'} too`,
      );
    if (o.rpn && o.proposals !== '')
      throw new ConfigError(
        'options.proposals',
        `region-detector: the RPN (options.rpn) proposes the regions itself, so it reads no proposal source ('${o.proposals}'); drop one of the two`,
      );
    const { classifier, ...rest } = o;
    return new RegionDetector({
      ...rest,
      textClassifier: classifier ? textClassifierOf(classifier, input) : undefined,
      inputShape: input.inputShape,
      numClasses: input.numClasses,
      seed: input.seed,
    });
  },
};
