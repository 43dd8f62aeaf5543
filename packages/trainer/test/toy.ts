import * as tf from '@tensorflow/tfjs';
import { BatchNorm, crossEntropy, Linear, Rng, TappedModel, type Batch, type DataSplit, type ForwardOptions, type Metrics, type Participant, type TapSpecs, type TapValues } from '@kd/core';
import { OptimizerConfigSchema } from '../src/optim/config.js';
import { ScheduleConfigSchema } from '../src/schedule/lr-schedule.js';
import type { StageSpecRun } from '../src/train-stage.js';

/** A tiny classification split: Gaussian clusters in 2×2×2 "images", with jitter as augmentation. */
export function toySplit(n: number, seed: number, classes = 3): DataSplit {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 8);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    for (let j = 0; j < 8; j++) x[i * 8 + j] = (j % classes === labels[i] ? 1.5 : 0) + rng.normal();
  }
  return {
    size: n,
    labels,
    batch(indices: Int32Array, options?: { augmentSeed?: number }): Batch {
      const b = indices.length;
      const data = new Float32Array(b * 8);
      const y = new Int32Array(b);
      const jitter = options?.augmentSeed !== undefined ? new Rng(options.augmentSeed) : undefined;
      indices.forEach((idx, k) => {
        y[k] = labels[idx]!;
        for (let j = 0; j < 8; j++) data[k * 8 + j] = x[idx * 8 + j]! + (jitter ? 0.1 * jitter.normal() : 0);
      });
      return { x: tf.tensor4d(data, [b, 2, 2, 2]), y: tf.tensor1d(y, 'int32'), index: tf.tensor1d(indices, 'int32') };
    },
  };
}

/** An MLP with a batch-norm layer and a hidden tap. */
export class ToyNet extends TappedModel {
  readonly arch = 'toy';
  readonly fc1: Linear;
  readonly bn: BatchNorm;
  readonly fc2: Linear;

  constructor(seed: number, hidden = 6, classes = 3) {
    super();
    const rng = new Rng(seed);
    this.fc1 = this.addChild('fc1', new Linear(8, hidden, rng));
    this.bn = this.addChild('bn', new BatchNorm(hidden));
    this.fc2 = this.addChild('fc2', new Linear(hidden, classes, rng));
  }

  tapSpecs(): TapSpecs {
    return { hidden: { shape: [this.fc1.outFeatures], kind: 'embedding' }, logits: { shape: [this.fc2.outFeatures], kind: 'logits' } };
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    const flat = tf.reshape(batch.x, [batch.x.shape[0]!, 8]);
    const hidden = tf.relu(this.bn.apply(this.fc1.apply(flat), options.training));
    return { hidden, logits: this.fc2.apply(hidden) };
  }
}

/** A four-epoch stage training `model` alone on toy splits (SGD + Nesterov, cosine with warm-up); `over` replaces fields. */
export function toyStage(model: ToyNet, over: Partial<StageSpecRun> = {}): StageSpecRun {
  const student: Participant = { name: 'student', role: 'student', model };
  return {
    name: 'train',
    epochs: 4,
    batchSize: 16,
    seed: 7,
    train: toySplit(96, 1),
    val: toySplit(48, 2),
    test: toySplit(48, 3),
    participants: [student],
    taps: new Map([['student', new Set(['logits'])]]),
    primary: { student: 'student' },
    trainable: [{ group: 'main', variables: model.namedParameters('student/') }],
    stateVariables: model.namedVariables('student/'),
    optim: {
      main: {
        optimizer: OptimizerConfigSchema.parse({ type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }),
        schedule: ScheduleConfigSchema.parse({ type: 'cosine', warmupEpochs: 1 }),
      },
    },
    objective: (step) => {
      const ce = crossEntropy(step.student.logits!, step.batch.y!);
      return { total: ce, parts: { 'task.ce': ce } };
    },
    evaluation: { participant: 'student', evaluate: toyAccuracy, select: { metric: 'accuracy', higherIsBetter: true } },
    ...over,
  };
}

/** Every variable's values, flattened (to compare two trainings bit for bit). */
export const toyWeights = (m: ToyNet): number[] => [...m.namedVariables().values()].flatMap((v) => Array.from(v.dataSync()));

/** Top-1 accuracy and mean cross-entropy over a split (the toy stages' evaluation). */
export function toyAccuracy(model: TappedModel, split: DataSplit): Metrics {
  let right = 0;
  let loss = 0;
  for (let start = 0; start < split.size; start += 16) {
    const idx = Int32Array.from({ length: Math.min(16, split.size - start) }, (_, i) => start + i);
    tf.tidy(() => {
      const batch = split.batch(idx);
      const { logits } = model.forward(batch, { training: false, taps: new Set(['logits']) });
      const pred = tf.argMax(logits!, 1).dataSync();
      idx.forEach((s, i) => (right += pred[i] === split.labels![s] ? 1 : 0));
      loss += crossEntropy(logits!, batch['y']!).dataSync()[0]! * idx.length;
    });
  }
  return { accuracy: right / split.size, loss: loss / split.size };
}
