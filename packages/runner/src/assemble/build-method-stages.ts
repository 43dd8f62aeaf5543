import { ConfigError, resolveWeights, type AuxModule, type StageSpec, type WeightedTerm } from '@kd/core';
import type { GroupOptim } from '@kd/trainer';
import type { MethodStageSettings, TrainSettings } from '../config/schema.js';

/**
 * A method's extra stage with its settings resolved from `methods[i].stages.<name>` and `train`
 * (checked at build time, before anything is written).
 */
export interface BuiltMethodStage {
  readonly spec: StageSpec;
  /** The stage's name in logs, checkpoints and metrics.jsonl: `<methodId>.<stage>` (e.g. `fitnet.hint`). */
  readonly name: string;
  /** Where its settings live in the config (`methods[i].stages.<stage>`), for error messages. */
  readonly where: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly clipGradNorm?: number;
  /** The stage's terms with their weights (method = the method's id; 0 = not computed). */
  readonly weights: readonly WeightedTerm[];
  /** Optimizer and schedule per group trained in the stage (`main` and the groups of its aux modules). */
  readonly optim: Readonly<Record<string, GroupOptim>> & { readonly main: GroupOptim };
  /** Judge the student by the run's task on val after every epoch. */
  readonly evaluate: boolean;
}

/**
 * A method stage's learning rate is constant unless its config says otherwise: the stage starts from
 * `train.schedule` with these fields (kd's method stages always ran so, and FitNets' published numbers
 * were made so).
 */
export const METHOD_STAGE_SCHEDULE = { type: 'constant', warmupEpochs: 0 } as const;

/**
 * Resolves the stages a method declares (`stages()`, after `setup`) against their config:
 *   - epochs: `stages.<s>.epochs`, else the stage's `defaultEpochs`;
 *   - weights: `stages.<s>.weights` over the stage's term defaults (unknown names and a stage with
 *     every term at 0 are ConfigErrors);
 *   - optimizer group g: train.optimizer/schedule ⊕ METHOD_STAGE_SCHEDULE ⊕ stages.<s>.optimizer/schedule
 *     (the stage's main settings) ⊕ train.groups.g ⊕ stages.<s>.groups.g, each layer replacing the
 *     fields it names; `stages.<s>.groups` may name only groups the stage trains;
 *   - batch size and gradient clipping: the stage's, else `train`'s; evaluation: off unless asked.
 * `participants` and `aux` are the names a stage's `trainable` may use.
 */
export function buildMethodStages(
  methodId: string,
  index: number,
  declared: readonly StageSpec[],
  settings: Readonly<Record<string, MethodStageSettings>>,
  train: TrainSettings,
  participants: readonly string[],
  aux: readonly AuxModule[],
): BuiltMethodStage[] {
  const names = declared.map((s) => s.name);
  for (const name of Object.keys(settings)) {
    if (!names.includes(name))
      throw new ConfigError(
        `methods[${index}].stages.${name}`,
        `method '${methodId}' has no stage '${name}' (stages: ${names.join(', ') || 'none'})`,
      );
  }
  return declared.map((spec) => {
    const where = `methods[${index}].stages.${spec.name}`;
    const s = settings[spec.name] ?? {};
    let weights: WeightedTerm[];
    try {
      weights = resolveWeights(methodId, spec.terms, s.weights);
    } catch (e) {
      throw new ConfigError(
        `${where}.weights`,
        (e as Error).message.replace(`for method '${methodId}'`, `of stage '${spec.name}' of method '${methodId}'`),
      );
    }
    const epochs = s.epochs ?? spec.defaultEpochs;
    if (epochs > 0 && !weights.some((w) => w.weight !== 0)) {
      throw new ConfigError(
        `${where}.weights`,
        `every term of stage '${spec.name}' is switched off (${weights.map((w) => w.term).join(', ')} at 0); nothing would be trained (set ${where}.epochs: 0 to skip the stage)`,
      );
    }
    const groups = new Set<string>(['main']);
    for (const name of spec.trainable) {
      const module = aux.find((a) => a.name === name);
      if (module) groups.add(module.group ?? 'main');
      else if (!participants.includes(name)) {
        throw new Error(
          `method '${methodId}' stage '${spec.name}' trains '${name}', which is neither a model of the run nor one of the method's modules`,
        );
      }
    }
    for (const g of Object.keys(s.groups ?? {})) {
      if (!groups.has(g))
        throw new ConfigError(
          `${where}.groups.${g}`,
          `stage '${spec.name}' trains no optimizer group '${g}' (groups: ${[...groups].join(', ')})`,
        );
    }
    const main: GroupOptim = {
      optimizer: { ...train.optimizer, ...s.optimizer },
      schedule: { ...train.schedule, ...METHOD_STAGE_SCHEDULE, ...s.schedule },
    };
    const optim: Record<string, GroupOptim> & { main: GroupOptim } = { main };
    for (const g of groups) {
      const shared = train.groups[g];
      const own = s.groups?.[g];
      optim[g] = {
        optimizer: { ...main.optimizer, ...shared?.optimizer, ...own?.optimizer },
        schedule: { ...main.schedule, ...shared?.schedule, ...own?.schedule },
      };
    }
    const clipGradNorm = s.clipGradNorm ?? train.clipGradNorm;
    return {
      spec,
      name: `${methodId}.${spec.name}`,
      where,
      epochs,
      batchSize: s.batchSize ?? train.batchSize,
      ...(clipGradNorm !== undefined ? { clipGradNorm } : {}),
      weights,
      optim,
      evaluate: s.evaluate ?? false,
    };
  });
}
