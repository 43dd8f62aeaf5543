import { z } from '@kd/core';

/**
 * Learning-rate schedules, evaluated at a fractional epoch e ∈ [0, epochs) so that decay happens at
 * epoch boundaries (like torch's per-epoch schedulers) while warm-up ramps per step.
 *   constant | step (×gamma every stepSize epochs) | multistep (×gamma at each milestone)
 *   | cosine (to minLr over the run) | linear (to minLr over the run, per step: with a warm-up from
 *   factor 0 this is BERT's WarmupLinearSchedule, VL-BERT's and RVL-BERT's "triangle"), each optionally
 *   preceded by a linear warm-up from warmupStartFactor·lr to lr over warmupEpochs.
 */
export const ScheduleConfigSchema = z
  .object({
    type: z.enum(['constant', 'step', 'multistep', 'cosine', 'linear']).default('multistep').describe('LR schedule'),
    stepSize: z.number().int().positive().default(30).describe('step: epochs between decays'),
    milestones: z
      .array(z.number().int().positive())
      .default([])
      .describe('multistep: epochs (1-based end) after which LR decays'),
    gamma: z.number().positive().default(0.1).describe('decay factor'),
    minLr: z.number().min(0).default(0).describe('cosine, linear: final learning rate'),
    warmupEpochs: z.number().min(0).default(0).describe('linear warm-up length in epochs (fractional allowed)'),
    warmupStartFactor: z.number().min(0).max(1).default(0.01),
  })
  .strict();
export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;

/** LR at fractional epoch `e` (0-based: e = epochIndex + stepInEpoch / stepsPerEpoch). */
export function learningRate(base: number, s: ScheduleConfig, e: number, totalEpochs: number): number {
  const epochIndex = Math.floor(e);
  let lr = base;
  switch (s.type) {
    case 'constant':
      break;
    case 'step':
      lr = base * s.gamma ** Math.floor(epochIndex / s.stepSize);
      break;
    case 'multistep':
      lr = base * s.gamma ** s.milestones.filter((m) => epochIndex >= m).length;
      break;
    case 'cosine': {
      const span = Math.max(totalEpochs - s.warmupEpochs, 1e-9);
      const t = Math.min(Math.max((e - s.warmupEpochs) / span, 0), 1);
      lr = s.minLr + (base - s.minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
      break;
    }
    case 'linear': {
      const span = Math.max(totalEpochs - s.warmupEpochs, 1e-9);
      const t = Math.min(Math.max((e - s.warmupEpochs) / span, 0), 1);
      lr = s.minLr + (base - s.minLr) * (1 - t);
      break;
    }
  }
  if (s.warmupEpochs > 0 && e < s.warmupEpochs) {
    const f = s.warmupStartFactor + (1 - s.warmupStartFactor) * (e / s.warmupEpochs);
    lr = Math.min(lr, base) * f;
  }
  return lr;
}
