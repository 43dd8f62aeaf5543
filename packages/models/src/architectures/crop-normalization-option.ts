import { z } from '@kd/core';

/**
 * `options.normalize` of the architectures that run an image tower on region crops (crop-teacher,
 * crop-classifier-detector): the input normalisation of the data the tower was trained on, applied to
 * every crop, e.g. `{ mean: 0.286, std: 0.353 }` for a tower trained on normalised Fashion-MNIST.
 * Absent: the crops go in as the batch's pixels (scenes: [0, 1]).
 */
export const cropNormalizationOption = z
  .object({ mean: z.number(), std: z.number().positive() })
  .strict()
  .optional()
  .describe("the image tower's input normalisation (x − mean) / std, as its training data was normalised");
