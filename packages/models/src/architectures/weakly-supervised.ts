import { z, type ModelArchitecture } from '@kd/core';
import { parseOptions } from '../options.js';
import { proposalScoreWeightsOption } from '../proposal-score-weights.js';
import { RoiClassifier } from '../roi-classifier.js';
import { Wsddn } from '../wsddn.js';

const positiveInt = z.number().int().positive();

/** The options both architectures share (backbone, proposals, RoI head). */
function sharedOptions(defaults: { widths: number[]; inputScale: number }) {
  return {
    widths: z.array(positiveInt).min(1).default(defaults.widths),
    convsPerStage: positiveInt.default(1),
    inputScale: z.number().positive().default(defaults.inputScale),
    proposals: z.string().default(''),
    regions: positiveInt.default(32),
    pool: positiveInt.default(4),
    hidden: positiveInt.default(256),
    proposalScores: proposalScoreWeightsOption,
  };
}

/** WSDDN, the weakly supervised detector of WSD-KD (see `Wsddn`). */
export const wsddn: ModelArchitecture = {
  id: 'wsddn',
  description:
    'WSDDN (weakly supervised detection network; WSD-KD’s teacher, data: scenes): the image enlarged inputScale times → VGG-style CNN (conv3x3–BN–ReLU stages, max-pools between) → ' +
    'RoI max pooling of the first R proposals, each pooled value × its proposal score → fc6 → fc7 → class branch (softmax over classes) ⊙ detection branch (softmax over regions), ' +
    'summed over regions → image scores s in (0, 1); trained on image labels only by its own clipped BCE on s (the multi-label task’s bce term). ' +
    'Taps regionFeatures (fc7), classLogits, detectionLogits, regionScores, regionBoxes, regionMask, scores, logits (log-odds of s). ' +
    'Options: widths ([16, 32, 64, 64]), convsPerStage (1), inputScale (2), proposals (""), regions (32), pool (4), hidden (256), proposalScores (raw | normalized | none).',
  build(input) {
    const o = parseOptions('wsddn', input.options, sharedOptions({ widths: [16, 32, 64, 64], inputScale: 2 }));
    return new Wsddn({ ...o, inputShape: input.inputShape, numClasses: input.numClasses, seed: input.seed });
  },
};

/** The WSD-KD student: a classifier whose fc6/fc7 also embed proposals (see `RoiClassifier`). */
export const roiClassifier: ModelArchitecture = {
  id: 'roi-classifier',
  description:
    'Multi-label classifier whose fc6/fc7 serve the whole image and, for the tap regionFeatures, RoIs (WSD-KD’s student): VGG-style CNN → whole map max-pooled to pool × pool → fc6 → fc7 → fc8 logits; ' +
    'regionFeatures = the first R proposals RoI-max-pooled (× proposal score) through the same fc6/fc7. ' +
    'Options: widths ([8, 16, 32, 32]), convsPerStage (1), inputScale (1), proposals (""), regions (32), pool (4), hidden (256), proposalScores (raw | normalized | none).',
  build(input) {
    const o = parseOptions('roi-classifier', input.options, sharedOptions({ widths: [8, 16, 32, 32], inputScale: 1 }));
    return new RoiClassifier({ ...o, inputShape: input.inputShape, numClasses: input.numClasses, seed: input.seed });
  },
};
