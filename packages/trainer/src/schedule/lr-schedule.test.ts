import { describe, expect, it } from 'vitest';
import { learningRate, ScheduleConfigSchema } from './lr-schedule.js';

const cfg = (o: object) => ScheduleConfigSchema.parse(o);

describe('learningRate', () => {
  it('multistep decays after each milestone (torch MultiStepLR semantics)', () => {
    const s = cfg({ type: 'multistep', milestones: [2, 4], gamma: 0.1 });
    expect(learningRate(1, s, 0, 6)).toBeCloseTo(1);
    expect(learningRate(1, s, 1.99, 6)).toBeCloseTo(1);
    expect(learningRate(1, s, 2, 6)).toBeCloseTo(0.1);
    expect(learningRate(1, s, 4.5, 6)).toBeCloseTo(0.01);
  });

  it('step decays every stepSize epochs', () => {
    const s = cfg({ type: 'step', stepSize: 3, gamma: 0.5 });
    expect([0, 2.9, 3, 6].map((e) => learningRate(2, s, e, 9))).toEqual([2, 2, 1, 0.5]);
  });

  it('cosine goes from base to minLr', () => {
    const s = cfg({ type: 'cosine', minLr: 0.001 });
    expect(learningRate(0.1, s, 0, 10)).toBeCloseTo(0.1);
    expect(learningRate(0.1, s, 5, 10)).toBeCloseTo(0.0505);
    expect(learningRate(0.1, s, 10, 10)).toBeCloseTo(0.001);
  });

  it('linear warm-up ramps per step then hands over', () => {
    const s = cfg({ type: 'cosine', warmupEpochs: 2, warmupStartFactor: 0 });
    expect(learningRate(1, s, 0, 12)).toBeCloseTo(0);
    expect(learningRate(1, s, 1, 12)).toBeCloseTo(0.5);
    expect(learningRate(1, s, 2, 12)).toBeCloseTo(1);
    expect(learningRate(1, s, 7, 12)).toBeCloseTo(0.5);
  });

  it("linear with a warm-up from 0 is BERT's WarmupLinearSchedule (VL-BERT's 'triangle') at step k = e · steps per epoch", () => {
    // official lr_lambda (common/nlp/bert/optimization.py): k < W ? k / W : max(0, (T − k) / (T − W))
    const perEpoch = 100;
    const epochs = 10;
    const warmupSteps = 250;
    const T = perEpoch * epochs;
    const official = (k: number) => (k < warmupSteps ? k / warmupSteps : Math.max(0, (T - k) / (T - warmupSteps)));
    const s = cfg({ type: 'linear', warmupEpochs: warmupSteps / perEpoch, warmupStartFactor: 0 });
    for (const k of [0, 1, 100, 249, 250, 251, 600, 999, 1000])
      expect(learningRate(3e-4, s, k / perEpoch, epochs), `step ${k}`).toBeCloseTo(3e-4 * official(k), 12);
    const floor = cfg({ type: 'linear', minLr: 0.01 });
    expect([0, 5, 10].map((e) => learningRate(0.11, floor, e, 10))).toEqual([0.11, 0.060000000000000005, 0.01]);
  });
});
