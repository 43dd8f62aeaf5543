import { ConfigError, Module, type AuxModule, type StageSpec } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { MethodStageSchema, TrainSettingsSchema, type MethodStageSettings } from '../config/schema.js';
import { buildMethodStages, METHOD_STAGE_SCHEDULE } from './build-method-stages.js';

class Empty extends Module {}

const stage: StageSpec = {
  name: 'warm',
  description: 'test stage',
  defaultEpochs: 4,
  terms: [
    { name: 'a', defaultWeight: 1, description: 'a' },
    { name: 'b', defaultWeight: 0.5, description: 'b' },
  ],
  trainable: ['student', 'head', 'scale'],
  taps: [],
  losses: () => ({}),
};
const aux: AuxModule[] = [
  { name: 'head', module: new Empty() },
  { name: 'scale', module: new Empty(), group: 'temperature' },
];
const train = TrainSettingsSchema.parse({
  batchSize: 16,
  optimizer: { type: 'sgd', lr: 0.1, weightDecay: 1e-4 },
  schedule: { type: 'cosine', minLr: 0.001, warmupEpochs: 2 },
  clipGradNorm: 5,
  groups: { temperature: { optimizer: { lr: 1, weightDecay: 0 } } },
});
const build = (settings: MethodStageSettings | undefined, declared: StageSpec[] = [stage]) =>
  buildMethodStages(
    'm',
    0,
    declared,
    settings ? { warm: MethodStageSchema.parse(settings) } : {},
    train,
    ['teacher', 'student'],
    aux,
  );

describe('method stage settings', () => {
  it('without settings: the stage’s epochs and weights, train’s optimizer at a constant lr, train’s groups, no evaluation', () => {
    const [s] = build(undefined);
    expect(s).toMatchObject({
      name: 'm.warm',
      where: 'methods[0].stages.warm',
      epochs: 4,
      batchSize: 16,
      clipGradNorm: 5,
      evaluate: false,
    });
    expect(s!.weights).toEqual([
      { method: 'm', term: 'a', weight: 1 },
      { method: 'm', term: 'b', weight: 0.5 },
    ]);
    expect(s!.optim.main).toEqual({
      optimizer: train.optimizer,
      schedule: { ...train.schedule, ...METHOD_STAGE_SCHEDULE },
    });
    expect(s!.optim.main.schedule.type).toBe('constant');
    expect(s!.optim.main.schedule.warmupEpochs).toBe(0);
    expect(s!.optim['temperature']).toEqual({
      optimizer: { ...train.optimizer, lr: 1, weightDecay: 0 },
      schedule: s!.optim.main.schedule,
    });
    expect(Object.keys(s!.optim).sort()).toEqual(['main', 'temperature']); // `head` has no group of its own
  });

  it('each layer replaces the fields it names: train → stage → train.groups.<g> → stage.groups.<g>', () => {
    const [s] = build({
      epochs: 2,
      batchSize: 8,
      clipGradNorm: 1,
      optimizer: { lr: 0.01, momentum: 0.5 },
      schedule: { type: 'multistep', milestones: [1] },
      groups: { temperature: { optimizer: { type: 'adam' }, schedule: { gamma: 0.5 } } },
      weights: { b: 0 },
      evaluate: true,
    });
    expect(s).toMatchObject({ epochs: 2, batchSize: 8, clipGradNorm: 1, evaluate: true });
    expect(s!.weights.map((w) => w.weight)).toEqual([1, 0]);
    const main = s!.optim.main;
    expect(main.optimizer).toEqual({ ...train.optimizer, lr: 0.01, momentum: 0.5 });
    expect(main.schedule).toEqual({ ...train.schedule, type: 'multistep', milestones: [1], warmupEpochs: 0 });
    expect(s!.optim['temperature']).toEqual({
      optimizer: { ...main.optimizer, lr: 1, weightDecay: 0, type: 'adam' },
      schedule: { ...main.schedule, gamma: 0.5 },
    });
  });

  it('refuses unknown stages, unknown terms, every term off and groups the stage does not train, naming the field', () => {
    const fails = (
      settings: MethodStageSettings | Record<string, MethodStageSettings>,
      path: string,
      message: RegExp,
      asStages = false,
    ) => {
      const run = () =>
        asStages
          ? buildMethodStages('m', 0, [stage], settings as Record<string, MethodStageSettings>, train, ['student'], aux)
          : build(settings as MethodStageSettings);
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(message);
      try {
        run();
      } catch (e) {
        expect((e as ConfigError).path).toBe(path);
      }
    };
    fails({ cool: {} }, 'methods[0].stages.cool', /has no stage 'cool' \(stages: warm\)/, true);
    fails(
      { weights: { c: 1 } },
      'methods[0].stages.warm.weights',
      /unknown term 'c' of stage 'warm' of method 'm' \(terms: a, b\)/,
    );
    fails({ weights: { a: 0, b: 0 } }, 'methods[0].stages.warm.weights', /every term of stage 'warm' is switched off/);
    fails(
      { groups: { peers: {} } },
      'methods[0].stages.warm.groups.peers',
      /trains no optimizer group 'peers' \(groups: main, temperature\)/,
    );
    expect(build({ epochs: 0, weights: { a: 0, b: 0 } })[0]!.epochs).toBe(0); // a skipped stage may switch everything off
  });

  it('a stage that trains a name that is neither a model nor a module of the method is a bug of the method', () => {
    expect(() => build(undefined, [{ ...stage, trainable: ['ghost'] }])).toThrow(/trains 'ghost', which is neither/);
  });
});
