import type { MetricSpec } from '@kd/core';

/** A metric in [0, 1] (accuracy, mAP, recall@K): shown as a percentage; higher is better unless said. */
export const fraction = (name: string, description: string, higherIsBetter = true): MetricSpec => ({
  name,
  unit: 'fraction',
  higherIsBetter,
  description,
});

/** A metric on its own scale (a loss, CIDEr-D): shown as a number. */
export const score = (name: string, description: string, higherIsBetter: boolean): MetricSpec => ({
  name,
  unit: 'score',
  higherIsBetter,
  description,
});
