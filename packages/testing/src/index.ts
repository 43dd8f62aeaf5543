/**
 * Test helpers: tiny tapped CNNs (core's Conv2d/BatchNorm/Linear), a setup context, a step context,
 * and tolerance checks against the PyTorch fixtures.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import {
  BatchNorm,
  detach,
  Conv2d,
  Linear,
  MissingTapError,
  Module,
  Rng,
  TappedModel,
  type Batch,
  type ForwardOptions,
  type MethodSetupContext,
  type Participant,
  type Role,
  type StepContext,
  type TapSpecs,
  type TapValues,
} from '@kd/core';

/**
 * stem (conv1/bn1) -> layer1 (stride 1) -> layer2 (stride 2) -> global pool -> fc. With
 * `layout: 'custom'` the same network names its children stemconv/stembn/blockA/blockB/head (a
 * variable layout the FitNets path rules do not know).
 */
export class TinyNet extends TappedModel {
  readonly arch = 'tiny';
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm;
  private readonly l1conv: Conv2d;
  private readonly l1bn: BatchNorm;
  private readonly l2conv: Conv2d;
  private readonly l2bn: BatchNorm;
  private readonly fc: Linear;
  private readonly layer1: TinyStage;
  private readonly layer2: TinyStage;

  constructor(
    readonly width: number,
    readonly inputSize: number,
    readonly numClasses: number,
    seed: number,
    layout: 'resnet' | 'custom' = 'resnet',
  ) {
    super();
    const rng = new Rng(seed);
    const n =
      layout === 'resnet'
        ? { conv1: 'conv1', bn1: 'bn1', layer1: 'layer1', layer2: 'layer2', fc: 'fc' }
        : { conv1: 'stemconv', bn1: 'stembn', layer1: 'blockA', layer2: 'blockB', fc: 'head' };
    this.conv1 = this.addChild(n.conv1, new Conv2d(1, width, { kernel: 3 }, rng));
    this.bn1 = this.addChild(n.bn1, new BatchNorm(width));
    this.layer1 = this.addChild(n.layer1, new TinyStage());
    this.l1conv = this.layer1.add('conv', new Conv2d(width, width, { kernel: 3 }, rng));
    this.l1bn = this.layer1.add('bn', new BatchNorm(width));
    this.layer2 = this.addChild(n.layer2, new TinyStage());
    this.l2conv = this.layer2.add('conv', new Conv2d(width, 2 * width, { kernel: 3, stride: 2 }, rng));
    this.l2bn = this.layer2.add('bn', new BatchNorm(2 * width));
    this.fc = this.addChild(n.fc, new Linear(2 * width, numClasses, rng));
  }

  tapSpecs(): TapSpecs {
    const s = this.inputSize;
    return {
      stage1: { shape: [s, s, this.width], kind: 'feature' },
      stage2: { shape: [s / 2, s / 2, 2 * this.width], kind: 'feature' },
      logits: { shape: [this.numClasses], kind: 'logits' },
    };
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    const tr = options.training;
    const stem = tf.relu(this.bn1.apply(this.conv1.apply(batch.x as tf.Tensor4D), tr)) as tf.Tensor4D;
    const stage1 = tf.relu(this.l1bn.apply(this.l1conv.apply(stem), tr)) as tf.Tensor4D;
    const stage2 = tf.relu(this.l2bn.apply(this.l2conv.apply(stage1), tr)) as tf.Tensor4D;
    const logits = this.fc.apply(tf.mean(stage2, [1, 2]));
    return { stage1, stage2, logits };
  }
}

/** A named group of layers (variable paths `layerK.conv.weight`, …). */
class TinyStage extends Module {
  add<M extends Module>(name: string, m: M): M {
    return this.addChild(name, m);
  }
}

export function participant(name: string, role: Role, model: TappedModel): Participant {
  return { name, role, model, trainable: role === 'student' };
}

export function setupContext<H>(
  method: string,
  hparams: H,
  teacher: Participant | undefined,
  student: Participant,
  seed = 7,
  /** How `buildLike` copies a participant's network (default: throws, as `architecture` does). */
  buildLike?: (participant: string, seed: number) => TappedModel,
): MethodSetupContext<H> {
  const participants = teacher ? [teacher, student] : [student];
  return {
    hparams,
    data: { name: 'tiny', inputShape: [8, 8, 1], numClasses: 5, classNames: ['a', 'b', 'c', 'd', 'e'] },
    teacher,
    student,
    participants,
    seed,
    tap(role: Role, tap: string, model?: string) {
      const p = model ? participants.find((q) => q.name === model) : role === 'teacher' ? teacher : student;
      if (!p) throw new MissingTapError(method, model ?? role, tap, []);
      const specs = p.model.tapSpecs();
      const spec = specs[tap];
      if (!spec) throw new MissingTapError(method, p.name, tap, Object.keys(specs));
      return spec;
    },
    architecture(id: string) {
      throw new Error(`no architecture ${id} in tests`);
    },
    buildLike(participant: string, s: number) {
      if (!buildLike) throw new Error(`no copy of ${participant} in this test (pass buildLike to setupContext)`);
      return buildLike(participant, s);
    },
  };
}

export function stepContext(
  student: TapValues,
  teacher: TapValues | undefined,
  active: Iterable<string>,
  batch: Batch = { x: tf.zeros([1, 1, 1, 1]) },
): StepContext {
  return {
    batch,
    outputs: teacher ? { teacher, student } : { student },
    teacher,
    student,
    epoch: 1,
    step: 0,
    stepsPerEpoch: 1,
    totalEpochs: 1,
    active: new Set(active),
  };
}

export interface Arr {
  shape: number[];
  data: number[];
}

export function tensorOf(a: Arr): tf.Tensor {
  return tf.tensor(a.data, a.shape, 'float32');
}

export function loadFixture<T>(url: URL): T {
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

/** Relative error of a scalar. */
export function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
}

/** Max |a - e| / max |e| over a tensor (relative to the tensor's scale). */
export function relErrTensor(actual: tf.Tensor, expected: Arr): number {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.data.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - expected.data[i]!));
    den = Math.max(den, Math.abs(expected.data[i]!));
  }
  return num / Math.max(den, 1e-12);
}

/** Sum of |g| over a gradient (0 when absent). */
export function gradNorm(g: tf.Tensor | undefined): number {
  return g ? tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!) : 0;
}

/** A model that only declares taps (for connector sizing); its forward is not used. */
export class SpecModel extends TappedModel {
  readonly arch = 'spec-only';
  constructor(private readonly specs: TapSpecs) {
    super();
  }
  tapSpecs(): TapSpecs {
    return this.specs;
  }
  forward(): TapValues {
    throw new Error('SpecModel has no forward');
  }
}

/**
 * The contract check every method needs: with the teacher's forward *inside* the gradient tape but
 * its taps detached, none of the teacher's variables gets a gradient from `loss`, and the student
 * does. (`extra` are further trainable variables, e.g. a connector, included in the tape.)
 */
export function expectTeacherGetsNoGradient(args: {
  teacher: TappedModel;
  student: TappedModel;
  batch: Batch;
  loss: (student: TapValues, teacher: TapValues) => tf.Scalar;
  extra?: readonly tf.Variable[];
}): void {
  const studentVars = args.student.trainableVariables();
  const teacherVars = args.teacher.trainableVariables();
  const { grads } = tf.variableGrads(() => {
    const raw = args.teacher.forward(args.batch, { training: false });
    const tOut = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, detach(v)]));
    return args.loss(args.student.forward(args.batch, { training: true }), tOut);
  }, [...studentVars, ...(args.extra ?? []), ...teacherVars]);
  for (const v of teacherVars) expect(gradNorm(grads[v.name])).toBe(0);
  expect(studentVars.some((v) => gradNorm(grads[v.name]) > 0)).toBe(true);
  tf.dispose(Object.values(grads));
}

/** Runs `step` once (to create lazily made state), then `times` more: the tensor count must not move. */
export function expectFlatTensorCount(step: () => void, times = 5): void {
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) step();
  expect(tf.memory().numTensors).toBe(before);
}

/** The error `f` throws (fails the test when it throws none), for checks of its class and message. */
export function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
