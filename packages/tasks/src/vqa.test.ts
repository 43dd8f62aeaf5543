import * as tf from '@tensorflow/tfjs';
import {
  ANSWER_VOCABULARY,
  TappedModel,
  UserError,
  facetEntry,
  facets,
  type Batch,
  type DataInfo,
  type DataSplit,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { vqaAccuracy } from '@kd/metrics';
import { errorOf, expectFlatTensorCount, participant, stepContext } from '@kd/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerBinaryCrossEntropy } from './answer-bce.js';
import { VqaTask, vqaHParams } from './vqa.js';

/** Answer logits for question i: row i of a fixed table (looked up by `batch.index`). */
class TableModel extends TappedModel {
  readonly arch = 'table';
  constructor(private readonly table: number[][]) {
    super();
  }
  tapSpecs(): TapSpecs {
    return { logits: { shape: [this.table[0]!.length], kind: 'logits' } };
  }
  forward(batch: Batch): TapValues {
    return { logits: tf.tensor2d(Array.from(batch['index']!.dataSync(), (i) => this.table[i]!)) };
  }
}

const ANSWERS = ['no', 'yes', 'nothing', 'one'];
const data = (answers: readonly string[] | null = ANSWERS): DataInfo => ({
  name: 'toy-vqa',
  inputShape: [1],
  numClasses: 2,
  classNames: ['a', 'b'],
  ...(answers ? { facets: facets(facetEntry(ANSWER_VOCABULARY, answers)) } : {}),
});

// human answers per question (ids into ANSWERS; −1 outside the vocabulary) and their soft scores min(n/3, 1)
const humans = [[1, 1, 1], [2, 2, 3, -1], [0], [3, 3, 3, 3, 2]];
const softScores = humans.map((h) => ANSWERS.map((_, a) => Math.min(h.filter((x) => x === a).length / 3, 1)));
// argmax answers 1, 3, 1, 3 → scores 1, 1/3, 0, 1
const table = [
  [0, 3, 1, 0],
  [-1, 0, 0.5, 2],
  [0, 1, -2, 0],
  [0, -1, 1, 4],
];

function split(): DataSplit {
  return {
    size: table.length,
    batch: (indices) => ({
      x: tf.zeros([indices.length, 1]),
      answerScores: tf.tensor2d(Array.from(indices, (i) => softScores[i]!)),
      index: tf.tensor1d(indices, 'int32'),
    }),
  };
}

function setUp(task: VqaTask, model: TappedModel, info = data()) {
  task.setup({
    hparams: vqaHParams.parse({}),
    data: info,
    student: participant('student', 'student', model),
    tap: (_r, tap) => model.tapSpecs()[tap]!,
  });
}

describe('vqa task', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('accuracy is the VQA accuracy of the argmax answer (as vqaAccuracy of @kd/metrics scores it), loss the mean answer BCE; any batch size', () => {
    const task = new VqaTask();
    const model = new TableModel(table);
    setUp(task, model);
    const predictions = table.map((row) => row.indexOf(Math.max(...row)));
    const expected = vqaAccuracy(predictions, humans).accuracy;
    expect(expected).toBeCloseTo((1 + 1 / 3 + 0 + 1) / 4, 12);
    const loss = answerBinaryCrossEntropy(tf.tensor2d(table), tf.tensor2d(softScores)).dataSync()[0]!;
    for (const batchSize of [1, 3, 4]) {
      const m = task.evaluate({ model, split: split(), batchSize, data: data() });
      expect(m['accuracy']).toBeCloseTo(expected, 6);
      expect(m['loss']).toBeCloseTo(loss, 5);
    }
    expect(task.metrics().map((s) => [s.name, s.unit])).toEqual([
      ['accuracy', 'fraction'],
      ['loss', 'score'],
    ]);
  });

  it('declares what it reads: the logits, answerScores [A] and the answer vocabulary', () => {
    const task = new VqaTask();
    expect(task.requiredTaps()).toEqual([{ role: 'student', tap: 'logits' }]);
    expect(task.requiredBatchKeys().map((k) => k.key)).toEqual(['answerScores']);
    expect(task.requiredFacets()).toEqual([ANSWER_VOCABULARY]);
  });

  it('setup refuses a head that is not the answer vocabulary in one line naming the fix, and data without answers', () => {
    const wrong = errorOf(() => setUp(new VqaTask(), new TableModel([[0, 0, 0]])));
    expect(wrong).toBeInstanceOf(UserError);
    expect(wrong.message).toBe(
      "task 'vqa': student (table) has 3 logits, the dataset has 4 answers: give it an answer head (vl-scene: student.options.head: answers)",
    );
    const none = errorOf(() => setUp(new VqaTask(), new TableModel(table), data(null)));
    expect(none.message).toBe("task 'vqa': dataset 'toy-vqa' has no answer vocabulary (use data.dataset: scene-vqa)");
  });

  it('the term is computed only when active; its gradient reaches every answer logit of every question', () => {
    const task = new VqaTask();
    const logits = tf.tensor2d(table);
    const scores = tf.tensor2d(softScores);
    expect(task.losses(stepContext({ logits }, undefined, [], { x: logits, answerScores: scores }))).toEqual({});
    const grad = tf.grad(
      (z: tf.Tensor) =>
        task.losses(stepContext({ logits: z }, undefined, ['bce'], { x: z, answerScores: scores }))['bce']!,
    )(logits);
    expect(Array.from(grad.dataSync()).every((v) => Number.isFinite(v) && v !== 0)).toBe(true);
    tf.dispose([logits, scores, grad]);
  });

  it('leaks no tensors: losses in a tidy, and evaluate', () => {
    const task = new VqaTask();
    const model = new TableModel(table);
    setUp(task, model);
    const logits = tf.tensor2d(table);
    const scores = tf.tensor2d(softScores);
    expectFlatTensorCount(() =>
      tf.tidy(() =>
        task
          .losses(stepContext({ logits }, undefined, ['bce'], { x: logits, answerScores: scores }))
          ['bce']!.dataSync(),
      ),
    );
    expectFlatTensorCount(() => task.evaluate({ model, split: split(), batchSize: 3, data: data() }));
    tf.dispose([logits, scores]);
  });
});
