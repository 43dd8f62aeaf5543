import * as tf from '@tensorflow/tfjs';
import {
  createHost,
  createRunContainer,
  listTasks,
  resolveTask,
  TappedModel,
  type Batch,
  type DataInfo,
  type DataSplit,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { stepContext } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { ClassificationTask, classificationHParams } from './classification.js';
import { register } from './index.js';
import { MultiLabelTask, multiLabelHParams } from './multi-label.js';

/** A "model" whose logits for sample i are row i of a fixed table (looked up by `batch.index`). */
class TableModel extends TappedModel {
  readonly arch = 'table';
  constructor(private readonly table: number[][]) {
    super();
  }
  tapSpecs(): TapSpecs {
    return { logits: { shape: [this.table[0]!.length], kind: 'logits' } };
  }
  forward(batch: Batch): TapValues {
    const idx = Array.from(batch['index']!.dataSync());
    return { logits: tf.tensor2d(idx.map((i) => this.table[i]!)) };
  }
}

function split(labels: number[], y?: number[][]): DataSplit {
  return {
    size: labels.length,
    labels: Int32Array.from(labels),
    batch: (indices) => ({
      x: tf.zeros([indices.length, 1]),
      y: y
        ? tf.tensor2d(Array.from(indices, (i) => y[i]!))
        : tf.tensor1d(
            Array.from(indices, (i) => labels[i]!),
            'int32',
          ),
      index: tf.tensor1d(indices, 'int32'),
    }),
  };
}

const data = (numClasses: number, groups?: DataInfo['classGroups']): DataInfo => ({
  name: 'toy',
  inputShape: [1],
  numClasses,
  classNames: Array.from({ length: numClasses }, (_, k) => `c${k}`),
  ...(groups ? { classGroups: groups } : {}),
});

describe('classification', () => {
  // 5 samples, 3 classes; predictions (argmax) 0, 1, 2, 2, 0 against labels 0, 1, 1, 2, 2 → 3/5 right
  const table = [
    [2, 0, 0],
    [0, 3, 1],
    [0, 1, 2],
    [1, 0, 4],
    [5, 1, 1],
  ];
  const labels = [0, 1, 1, 2, 2];

  it('top-1 accuracy, mean CE (as torch F.cross_entropy), and per-group accuracy, whatever the batch size', () => {
    const task = new ClassificationTask();
    const info = data(3, { names: ['Many', 'Few'], ofClass: [0, 0, 1] });
    task.setup({
      hparams: classificationHParams.parse({}),
      data: info,
      student: { name: 'student', role: 'student', model: new TableModel(table) },
      tap: () => ({ shape: [3], kind: 'logits' }),
    });
    const logSoftmax = (row: number[], k: number) => row[k]! - Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    const ce = -table.reduce((s, row, i) => s + logSoftmax(row, labels[i]!), 0) / 5;
    for (const batchSize of [1, 2, 5]) {
      const m = task.evaluate({ model: new TableModel(table), split: split(labels), batchSize, data: info });
      expect(m['accuracy']).toBeCloseTo(3 / 5, 12);
      expect(m['loss']).toBeCloseTo(ce, 5);
      // group Many = classes 0, 1 (samples 0, 1, 2: right, right, wrong); Few = class 2 (samples 3, 4: right, wrong)
      expect(m['accuracy.many']).toBeCloseTo(2 / 3, 12);
      expect(m['accuracy.few']).toBeCloseTo(1 / 2, 12);
    }
    expect(task.metrics().map((s) => s.name)).toEqual(['accuracy', 'loss', 'accuracy.many', 'accuracy.few']);
  });

  it('the loss term is CE of the student logits against y, and only when active', () => {
    const task = new ClassificationTask();
    const logits = tf.tensor2d(table);
    const y = tf.tensor1d(labels, 'int32');
    const on = task.losses(stepContext({ logits }, undefined, ['ce'], { x: logits, y }));
    const off = task.losses(stepContext({ logits }, undefined, [], { x: logits, y }));
    expect(Object.keys(off)).toEqual([]);
    expect(on['ce']!.dataSync()[0]).toBeCloseTo(
      tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), logits).dataSync()[0]!,
      5,
    );
  });
});

describe('multi-label', () => {
  // 4 samples, 2 classes: class 0 ranked perfectly (AP 1), class 1's positive ranked second (AP 1/2)
  const table = [
    [3, 1],
    [2, 2],
    [-1, 3],
    [-2, -3],
  ];
  const y = [
    [1, 0],
    [1, 1],
    [0, 0],
    [0, 0],
  ];

  it('mAP (primary) and the thresholded CP…OF1 at 0.5, mean BCE', () => {
    const task = new MultiLabelTask();
    task.setup({
      hparams: multiLabelHParams.parse({}),
      data: data(2),
      student: { name: 'student', role: 'student', model: new TableModel(table) },
      tap: () => ({ shape: [2], kind: 'logits' }),
    });
    const m = task.evaluate({
      model: new TableModel(table),
      split: split([0, 0, 0, 0], y),
      batchSize: 3,
      data: data(2),
    });
    expect(m['mAP']).toBeCloseTo((1 + 0.5) / 2, 12);
    // predicted at p ≥ 0.5 (logit ≥ 0): class 0 → samples 0, 1 (2 TP); class 1 → samples 0, 1, 2 (1 TP)
    expect(m['CP']).toBeCloseTo((2 / 2 + 1 / 3) / 2, 12);
    expect(m['CR']).toBeCloseTo((2 / 2 + 1 / 1) / 2, 12);
    expect(m['OP']).toBeCloseTo(3 / 5, 12);
    expect(m['OR']).toBeCloseTo(3 / 3, 12);
    const bce = (z: number, t: number) => Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
    const mean = table.flatMap((row, i) => row.map((z, k) => bce(z, y[i]![k]!))).reduce((a, b) => a + b, 0) / 8;
    expect(m['loss']).toBeCloseTo(mean, 5);
  });

  it("bce: mean over batch and classes, or with reduction 'per-image' summed over classes and averaged over the batch", () => {
    const bce = (z: number, t: number) => Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
    const sum = table.flatMap((row, i) => row.map((z, k) => bce(z, y[i]![k]!))).reduce((a, b) => a + b, 0);
    for (const [reduction, expected] of [
      ['mean', sum / 8],
      ['per-image', sum / 4],
    ] as const) {
      const task = new MultiLabelTask();
      task.setup({
        hparams: multiLabelHParams.parse({ reduction }),
        data: data(2),
        student: { name: 'student', role: 'student', model: new TableModel(table) },
        tap: () => ({ shape: [2], kind: 'logits' }),
      });
      const logits = tf.tensor2d(table);
      const losses = task.losses(stepContext({ logits }, undefined, ['bce'], { x: logits, y: tf.tensor2d(y) }));
      expect(losses['bce']!.dataSync()[0]).toBeCloseTo(expected, 5);
      // the evaluation's loss is reduced alike, so val loss and the training term compare
      const m = task.evaluate({
        model: new TableModel(table),
        split: split([0, 0, 0, 0], y),
        batchSize: 3,
        data: data(2),
      });
      expect(m['loss']).toBeCloseTo(expected, 5);
    }
  });

  it('refuses a model whose logits are not one per class (e.g. an answer head), in one line naming the model', () => {
    const task = new MultiLabelTask();
    const setup = () =>
      task.setup({
        hparams: multiLabelHParams.parse({}),
        data: data(2),
        student: { name: 'student', role: 'student', model: new TableModel(table) },
        tap: () => ({ shape: [5], kind: 'logits' }),
      });
    expect(setup).toThrow(/^task 'multi-label': model 'student' \(.+\) has 5 logits, the data 2 classes/);
  });
});

describe('registration', () => {
  it('lists both tasks without instances; a run resolves a fresh instance', () => {
    const host = createHost([register]);
    expect(listTasks(host).map((t) => t.id)).toEqual(
      expect.arrayContaining(['classification', 'multi-label', 'relationships']),
    );
    const a = resolveTask(createRunContainer(host), 'classification').task;
    const b = resolveTask(createRunContainer(host), 'classification').task;
    expect(a).not.toBe(b);
    for (const d of listTasks(host)) expect(d.metrics.map((m) => m.name)).toContain(d.primary);
  });
});
