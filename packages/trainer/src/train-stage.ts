import * as tf from '@tensorflow/tfjs';
import {
  applyParameterConstraints,
  deriveSeed,
  InterruptedError,
  parameterConstraint,
  stepHelpers,
  UserError,
  type Batch,
  type DataSplit,
  type MethodState,
  type Participant,
  type StepContext,
  type Metrics,
  type MetricUnit,
  type Module,
  type TappedModel,
  type TapValues,
} from '@kd/core';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitDir, isStaged, recoverDir, stageDir } from './checkpoint/atomic-dir.js';
import {
  checkpointExists,
  disposeCheckpoint,
  isLegacyCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint/checkpoint.js';
import { assignVariables, readTensors, writeTensors } from './checkpoint/tensor-file.js';
import { batchCount, batchIndices, epochOrder } from './data-order.js';
import type { EpochRecord, EventSink } from './events.js';
import { clipByGlobalNorm } from './optim/clip.js';
import type { OptimizerConfig } from './optim/config.js';
import { createOptimizer } from './optim/create-optimizer.js';
import type { Optimizer } from './optim/optimizer.js';
import { Adam } from './optim/adam.js';
import { learningRate, type ScheduleConfig } from './schedule/lr-schedule.js';

/** Variables trained by one optimizer group, by qualified path (e.g. `student/layer1.0.conv1.weight`). */
export interface TrainableGroup {
  readonly group: string;
  readonly variables: ReadonlyMap<string, tf.Variable>;
}

export interface GroupOptim {
  readonly optimizer: OptimizerConfig;
  readonly schedule: ScheduleConfig;
}

/** Hooks for state that is not a variable (a method's queue, …), saved with each checkpoint. */
export interface ExtraState {
  save(): MethodState;
  load(state: MethodState): void;
}

/**
 * One training step as the trainer hands it out: a `StepContext` without `active`. The trainer knows
 * no loss terms; whoever owns them (the runner) gives each receiver (a task, a method, a method's
 * stage) its own `active` set: its terms with a non-zero weight in this stage.
 */
export type StageStep = Omit<StepContext, 'active'>;

export interface StageSpecRun {
  readonly name: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly train: DataSplit;
  readonly val?: DataSplit;
  readonly test?: DataSplit;
  readonly evalBatchSize?: number;
  /**
   * Forward order. A participant this stage trains (some of its model's parameters are in `trainable`)
   * runs inside the gradient tape in training mode; any other (a frozen teacher, or a model the stage
   * does not train) runs outside it in inference mode: no gradient, no update of its BN statistics.
   */
  readonly participants: readonly Participant[];
  readonly taps: ReadonlyMap<string, ReadonlySet<string>>;
  /** Names of the primary teacher / student in `participants` (for StepContext.teacher/student). */
  readonly primary: { readonly teacher?: string; readonly student: string };
  readonly trainable: readonly TrainableGroup[];
  /** Every variable whose value changes in this stage (parameters and buffers), saved in checkpoints. */
  readonly stateVariables: ReadonlyMap<string, tf.Variable>;
  /** State variables a checkpoint written by an older version may lack (they keep their current value on resume). */
  readonly optionalOnResume?: ReadonlySet<string>;
  readonly optim: Readonly<Record<string, GroupOptim>> & { readonly main: GroupOptim };
  readonly clipGradNorm?: number;
  /** Builds the total loss (scalar) and its named parts from one step's outputs. */
  objective(step: StageStep): { total: tf.Scalar; parts: Record<string, tf.Scalar> };
  /** How the trained model is judged: on val each epoch (picking the best checkpoint), on test at the end. */
  readonly evaluation?: StageEvaluation;
  readonly onEpochStart?: (epoch: number) => void;
  readonly onStepEnd?: (step: StageStep) => void;
  readonly extraState?: ExtraState;
  /** Folder for this stage's checkpoints (`last/`, `best/`); omitted = no checkpoints. */
  readonly checkpointDir?: string;
  readonly events?: EventSink;
  /** Stop after this many epochs of this call (for tests of interrupted runs). */
  readonly stopAfterEpochs?: number;
  /**
   * Aborting it (Ctrl-C, SIGTERM) stops the stage before its next step: the step in flight finishes,
   * the epoch is abandoned, the last checkpoint stays as it was, and `trainStage` rejects with the
   * signal's reason (an `InterruptedError`). The stage yields to the event loop between steps so
   * signal handlers can run.
   */
  readonly signal?: AbortSignal;
  /** Where this stage's settings live in the config (e.g. `train`, `teacher.train`), for error messages. */
  readonly settingsPath?: string;
}

export interface StageResult {
  readonly stage: string;
  readonly epochs: readonly EpochRecord[];
  readonly completed: boolean;
  /** The epoch whose val metrics were best by the selecting metric, and that metric's value. */
  readonly best?: { epoch: number; value: number };
  /** Test metrics of the last weights and of the best-by-val weights. */
  readonly test?: { last: Metrics; best?: Metrics };
}

/**
 * How a stage judges the model it trains (a task's evaluation): `evaluate` runs a model over a whole
 * split in inference mode and returns named metrics; `select` names the one that picks the best
 * checkpoint on val.
 */
export interface StageEvaluation {
  /** The participant whose weights are evaluated and kept as best. */
  readonly participant: string;
  evaluate(model: TappedModel, split: DataSplit): Metrics;
  readonly select: { readonly metric: string; readonly higherIsBetter: boolean; readonly unit?: MetricUnit };
}

interface SavedState {
  epoch: number;
  completed: boolean;
  history: EpochRecord[];
  best?: { epoch: number; value: number };
  test?: StageResult['test'];
  adamSteps: Record<string, number>;
  extra: MethodState['values'];
}

/** The loss of a step was NaN or infinite: one line naming the stage, epoch, step and the terms. */
export class NonFiniteLossError extends UserError {
  override readonly name = 'NonFiniteLossError';
}

function nonFiniteLoss(
  spec: StageSpecRun,
  epoch: number,
  step: number,
  values: Record<string, number>,
  lr: number,
): NonFiniteLossError {
  const { loss, ...terms } = values;
  const bad = Object.entries(terms).filter(([, v]) => !Number.isFinite(v));
  const shown = (bad.length ? bad : Object.entries(terms)).map(([k, v]) => `${k} = ${v}`).join(', ');
  const where = spec.settingsPath ?? 'train';
  return new NonFiniteLossError(
    `stage ${spec.name}: the loss became ${loss} at epoch ${epoch}, step ${step}` +
      (shown ? ` (${bad.length ? 'non-finite' : 'terms'}: ${shown})` : '') +
      `; try a lower learning rate (${where}.optimizer.lr, ${lr} at that step) or gradient clipping (${where}.clipGradNorm)`,
  );
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains one stage: epochs over a seeded data order (the permutation and the augmentation of epoch e
 * derive from (seed, e) alone, so a resumed run replays the uninterrupted one exactly), one gradient
 * step per batch across every optimizer group (then each parameter's constraint, e.g. a clamped
 * temperature), per-term logging, val accuracy each epoch, test accuracy of the last and best (by
 * val) weights at the end, and a checkpoint after every epoch, replaced atomically.
 */
export async function trainStage(spec: StageSpecRun): Promise<StageResult> {
  const optimizers = new Map<string, Optimizer>();
  for (const g of spec.trainable) {
    if (!optimizers.has(g.group))
      optimizers.set(g.group, createOptimizer((spec.optim[g.group] ?? spec.optim.main).optimizer));
  }
  const lastDir = spec.checkpointDir && join(spec.checkpointDir, 'last');
  const bestDir = spec.checkpointDir && join(spec.checkpointDir, 'best');

  // finish or undo a checkpoint replacement that a crash interrupted
  if (lastDir) recoverDir(lastDir, isLegacyCheckpoint);
  let state: SavedState = { epoch: 0, completed: false, history: [], adamSteps: {}, extra: {} };
  if (lastDir && checkpointExists(lastDir)) {
    const ck = loadCheckpoint<SavedState>(lastDir);
    assignVariables(spec.stateVariables, ck.variables, `checkpoint ${lastDir}`, spec.optionalOnResume);
    for (const [group, opt] of optimizers) {
      const prefix = `${group}::`;
      const own = Object.fromEntries(
        Object.entries(ck.optimizer)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, v]) => [k.slice(prefix.length), v]),
      );
      opt.setState(own);
      if (opt instanceof Adam) opt.stepCount = ck.state.adamSteps[group] ?? 0;
    }
    spec.extraState?.load({ tensors: ck.method, values: ck.state.extra });
    state = upgradeState(ck.state);
    disposeCheckpoint(ck);
  }
  if (bestDir) settleBest(bestDir, state.best?.epoch);

  // Full batches only, unless the split is smaller than one batch (then one short batch).
  const dropLast = spec.train.size >= spec.batchSize;
  const stepsPerEpoch = batchCount(spec.train.size, spec.batchSize, dropLast);
  if (state.completed) {
    spec.events?.({ type: 'stage-skip', stage: spec.name, epochs: spec.epochs });
    for (const o of optimizers.values()) o.dispose();
    return resultOf(spec.name, state);
  }
  spec.events?.({
    type: 'stage-start',
    stage: spec.name,
    epochs: spec.epochs,
    startEpoch: state.epoch + 1,
    ...(spec.evaluation
      ? { select: { metric: spec.evaluation.select.metric, unit: spec.evaluation.select.unit ?? 'fraction' } }
      : {}),
  });

  const varsByGroup = new Map<string, Map<string, tf.Variable>>();
  for (const g of spec.trainable) {
    const m = varsByGroup.get(g.group) ?? new Map<string, tf.Variable>();
    for (const [k, v] of g.variables) m.set(k, v);
    varsByGroup.set(g.group, m);
  }
  const allVars = [...varsByGroup.values()].flatMap((m) => [...m.entries()]);
  const varList = allVars.map(([, v]) => v);
  const constrained = varList.filter((v) => parameterConstraint(v));
  const nameOf = new Map(allVars.map(([k, v]) => [v.name, k]));
  const trains = trainedBy(varList);
  const frozen = spec.participants.filter((p) => !trains(p.model));
  const live = spec.participants.filter((p) => trains(p.model));
  const judge = spec.evaluation;
  const evalModel = judge ? spec.participants.find((p) => p.name === judge.participant)?.model : undefined;
  const better = (a: number, b: number) => (judge!.select.higherIsBetter ? a > b : a < b);

  let epochsThisCall = 0;
  try {
    for (let epoch = state.epoch + 1; epoch <= spec.epochs; epoch++) {
      const t0 = Date.now();
      spec.onEpochStart?.(epoch);
      const sums: Record<string, number> = {};
      let lr = 0;
      let s = -1;
      for (const idx of batchIndices(epochOrder(spec.train.size, spec.seed, epoch), spec.batchSize, dropLast)) {
        if (spec.signal) {
          await nextTurn();
          if (spec.signal.aborted)
            throw spec.signal.reason instanceof Error ? spec.signal.reason : new InterruptedError();
        }
        s += 1;
        const globalStep = (epoch - 1) * stepsPerEpoch + s;
        const fractionalEpoch = epoch - 1 + s / stepsPerEpoch;
        const lrs = new Map<string, number>();
        for (const group of optimizers.keys()) {
          const o = spec.optim[group] ?? spec.optim.main;
          lrs.set(group, learningRate(o.optimizer.lr, o.schedule, fractionalEpoch, spec.epochs));
        }
        lr = lrs.get('main') ?? [...lrs.values()][0] ?? 0;
        const values = tf.tidy(() => {
          const batch: Batch = spec.train.batch(idx, { augmentSeed: deriveSeed(spec.seed, 'augment', epoch, s) });
          const outputs: Record<string, TapValues> = {};
          for (const p of frozen)
            outputs[p.name] = p.model.forward(batch, { training: false, taps: spec.taps.get(p.name) });
          const kept: tf.Tensor[] = [];
          let partNames: string[] = [];
          let partStack: tf.Tensor | undefined;
          const helpers = stepHelpers(outputs, spec.participants, trains);
          const makeStep = (): StageStep => ({
            ...helpers,
            batch,
            outputs,
            teacher: spec.primary.teacher ? outputs[spec.primary.teacher] : undefined,
            student: outputs[spec.primary.student]!,
            epoch,
            step: globalStep,
            stepsPerEpoch,
            totalEpochs: spec.epochs,
          });
          const { value, grads } = tf.variableGrads(() => {
            for (const p of live) {
              const out = p.model.forward(batch, {
                training: true,
                taps: spec.taps.get(p.name),
                seed: deriveSeed(spec.seed, 'forward', p.name, epoch, s),
              });
              for (const t of Object.values(out)) kept.push(tf.keep(t));
              outputs[p.name] = out;
            }
            const { total, parts } = spec.objective(makeStep());
            // one read-back for all logged terms (kept past the tape's scope, disposed by the outer tidy)
            partNames = Object.keys(parts);
            if (partNames.length) partStack = tf.keep(tf.stack(Object.values(parts)));
            return total;
          }, varList);
          const named: Record<string, tf.Tensor> = {};
          for (const [vname, g] of Object.entries(grads)) named[nameOf.get(vname)!] = g;
          const clipped = spec.clipGradNorm ? clipByGlobalNorm(named, spec.clipGradNorm).grads : named;
          for (const [group, vars] of varsByGroup) optimizers.get(group)!.step(vars, clipped, lrs.get(group)!);
          applyParameterConstraints(constrained);
          spec.onStepEnd?.(makeStep());
          for (const t of kept) t.dispose();
          const read = partStack ? partStack.dataSync() : [];
          partStack?.dispose();
          return { loss: value.dataSync()[0]!, ...Object.fromEntries(partNames.map((k, i) => [k, read[i]!])) };
        });
        if (!Number.isFinite(values.loss)) throw nonFiniteLoss(spec, epoch, s + 1, values, lr);
        for (const [k, v] of Object.entries(values)) sums[k] = (sums[k] ?? 0) + v;
        spec.events?.({ type: 'step', stage: spec.name, epoch, step: s + 1, stepsPerEpoch, loss: values.loss, lr });
      }
      const train = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / stepsPerEpoch]));
      const val = evalModel && spec.val ? judge!.evaluate(evalModel, spec.val) : undefined;
      const record: EpochRecord = {
        stage: spec.name,
        epoch,
        lr,
        train,
        ...(val ? { val } : {}),
        seconds: (Date.now() - t0) / 1000,
      };
      state.history.push(record);
      state.epoch = epoch;
      const selected = val?.[judge!.select.metric];
      if (selected !== undefined && Number.isFinite(selected) && (!state.best || better(selected, state.best.value))) {
        state.best = { epoch, value: selected };
        if (bestDir) stageBest(bestDir, spec.stateVariables, epoch);
      }
      spec.events?.({ type: 'epoch', record });
      epochsThisCall += 1;
      if (epoch === spec.epochs) {
        state.completed = true;
        if (evalModel && spec.test) state.test = testLastAndBest(evalModel, spec, bestDir, state.best);
      }
      if (lastDir) saveState(lastDir, spec, optimizers, state);
      // a new best is put in place only once last/ (which names its epoch) is: the two always agree
      if (bestDir && isStaged(bestDir)) commitDir(bestDir);
      if (spec.stopAfterEpochs !== undefined && epochsThisCall >= spec.stopAfterEpochs && !state.completed) break;
    }
  } finally {
    for (const o of optimizers.values()) o.dispose();
  }
  if (state.completed) spec.events?.({ type: 'stage-end', stage: spec.name, epochs: spec.epochs });
  return resultOf(spec.name, state);
}

/**
 * Whether a stage trains a module: some of its trainable parameters are among the stage's variables.
 * The module's own frozen state decides which parameters can train at all (a frozen model has none),
 * the stage which of those it trains; the answer places a model's forward inside or outside the tape.
 */
export function trainedBy(variables: readonly tf.Variable[]): (module: Module) => boolean {
  const trained = new Set(variables);
  const known = new WeakMap<Module, boolean>();
  return (module) => {
    let yes = known.get(module);
    if (yes === undefined) {
      yes = [...module.namedParameters().values()].some((v) => trained.has(v));
      known.set(module, yes);
    }
    return yes;
  };
}

function resultOf(stage: string, s: SavedState): StageResult {
  return {
    stage,
    epochs: s.history,
    completed: s.completed,
    ...(s.best ? { best: s.best } : {}),
    ...(s.test ? { test: s.test } : {}),
  };
}

/** Stages the best-by-val weights of `epoch` (`best.tmp/`, committed after the epoch's last/). */
function stageBest(dir: string, vars: ReadonlyMap<string, tf.Variable>, epoch: number): void {
  stageDir(dir, (tmp) => {
    writeTensors(tmp, 'variables', Object.fromEntries(vars));
    writeFileSync(join(tmp, 'epoch.json'), JSON.stringify({ epoch }));
  });
}

/**
 * After a crash: a staged best/ is committed if last/ names its epoch as the best (the crash came
 * between the two commits), and dropped otherwise (its epoch was abandoned and will be replayed).
 */
function settleBest(dir: string, bestEpoch: number | undefined): void {
  if (isStaged(dir)) {
    let staged: number | undefined;
    try {
      staged = (JSON.parse(readFileSync(join(`${dir}.tmp`, 'epoch.json'), 'utf8')) as { epoch: number }).epoch;
    } catch {
      staged = undefined;
    }
    if (staged !== undefined && staged === bestEpoch) commitDir(dir);
    else rmSync(`${dir}.tmp`, { recursive: true, force: true });
  }
  recoverDir(dir); // drops an uncommitted stage; restores best/ if a commit was cut short
}

/**
 * A saved state of an older kd (classification only): `best.val` was the val accuracy, and test
 * results carried `count` and a `groups` record. Read as today's metric records.
 */
function upgradeState(state: SavedState): SavedState {
  const best = state.best as (SavedState['best'] & { val?: number }) | undefined;
  const metricsOf = (r: unknown): Metrics => {
    const { count: _c, groups, ...rest } = r as Record<string, unknown> & { groups?: Record<string, number> };
    return {
      ...(rest as Record<string, number>),
      ...Object.fromEntries(Object.entries(groups ?? {}).map(([g, v]) => [`accuracy.${g.toLowerCase()}`, v])),
    };
  };
  return {
    ...state,
    ...(best && best.value === undefined && best.val !== undefined
      ? { best: { epoch: best.epoch, value: best.val } }
      : {}),
    ...(state.test
      ? { test: { last: metricsOf(state.test.last), ...(state.test.best ? { best: metricsOf(state.test.best) } : {}) } }
      : {}),
  };
}

/** Test metrics of the last weights, then of the best-by-val weights (restoring the last afterwards). */
function testLastAndBest(
  model: Participant['model'],
  spec: StageSpecRun,
  bestDir: string | undefined,
  best: SavedState['best'],
): StageResult['test'] {
  const last = spec.evaluation!.evaluate(model, spec.test!);
  if (!bestDir || !best || best.epoch === spec.epochs) return { last, best: last };
  const snapshot = tf.tidy(() => Object.fromEntries([...spec.stateVariables].map(([k, v]) => [k, v.clone()])));
  const saved = readTensors(bestDir, 'variables');
  assignVariables(spec.stateVariables, saved, `best weights ${bestDir}`);
  const bestResult = spec.evaluation!.evaluate(model, spec.test!);
  assignVariables(spec.stateVariables, snapshot, 'restore last weights');
  for (const t of [...Object.values(saved), ...Object.values(snapshot)]) t.dispose();
  return { last, best: bestResult };
}

function saveState(dir: string, spec: StageSpecRun, optimizers: Map<string, Optimizer>, state: SavedState): void {
  const optimizer: Record<string, tf.Tensor> = {};
  for (const [group, opt] of optimizers) {
    for (const [k, v] of Object.entries(opt.getState())) optimizer[`${group}::${k}`] = v;
    if (opt instanceof Adam) state.adamSteps[group] = opt.stepCount;
  }
  const extra = spec.extraState?.save() ?? { tensors: {}, values: {} };
  state.extra = extra.values;
  saveCheckpoint(dir, { variables: Object.fromEntries(spec.stateVariables), optimizer, method: extra.tensors, state });
}
