import { z, type ModelArchitecture } from '@kd/core';
import { parseOptions } from '../options.js';
import { RegionDetector } from '../region-detector.js';

const positiveInt = z.number().int().positive();

/** A small detector over region proposals for the `detection` task; see RegionDetector. */
export const regionDetector: ModelArchitecture = {
  id: 'region-detector',
  description:
    "Small Fast R-CNN-style detector over the batch's region proposals (data: scenes): CNN backbone (stride 4) → RoIAlign of the first R proposals → " +
    'conv/FC head → background + K class logits and class-agnostic box deltas per region; image-level logits = best region score per class. ' +
    'Options: width (8), regions (32), proposals ("" | "biased" | "objects"), pool (4), sampling (2), headConvs (1), hidden (64).',
  build(input) {
    const o = parseOptions('region-detector', input.options, {
      width: positiveInt.default(8),
      regions: positiveInt.default(32),
      proposals: z.string().default(''),
      pool: positiveInt.default(4),
      sampling: positiveInt.default(2),
      headConvs: z.number().int().min(0).default(1),
      hidden: positiveInt.default(64),
    });
    return new RegionDetector({ ...o, inputShape: input.inputShape, numClasses: input.numClasses, seed: input.seed });
  },
};
