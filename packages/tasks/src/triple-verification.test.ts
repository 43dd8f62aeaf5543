import * as tf from '@tensorflow/tfjs';
import {
  PREDICATE_NAMES,
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
import { expectFlatTensorCount, loadFixture, participant, relErr, relErrTensor, tensorOf, type Arr } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { queriedBinaryCrossEntropy, TripleVerificationTask, tripleVerificationHParams } from './triple-verification.js';

/** PyTorch values (tools/golden/relationships.py): the queried logit's BCE with logits, and its gradient. */
interface Golden {
  logits: Arr;
  pairMask: Arr;
  pairQuery: Arr;
  pairTruth: Arr;
  queried_bce: { loss: number; grad: Arr };
}
const golden = loadFixture<Golden>(new URL('./__fixtures__/relationships.golden.json', import.meta.url));

describe('triple-verification loss: golden values (PyTorch)', () => {
  it("bce of the queried predicate's logit: value and gradient (only the queried column of real pairs gets one)", () => {
    const q = {
      query: tf.tensor(golden.pairQuery.data, golden.pairQuery.shape, 'int32'),
      truth: tensorOf(golden.pairTruth),
      mask: tensorOf(golden.pairMask),
    };
    const f = (z: tf.Tensor) => queriedBinaryCrossEntropy(z, q);
    const logits = tensorOf(golden.logits);
    expect(relErr(f(logits).dataSync()[0]!, golden.queried_bce.loss)).toBeLessThanOrEqual(1e-5);
    const g = tf.grad(f)(logits);
    expect(relErrTensor(g, golden.queried_bce.grad)).toBeLessThanOrEqual(1e-5);
    // per real slot exactly one non-zero entry; padding none
    const c = logits.shape[2]!;
    const grad = g.dataSync();
    const mask = q.mask.dataSync();
    for (let s = 0; s < mask.length; s++) {
      const nonZero = Array.from(grad.subarray(s * c, (s + 1) * c)).filter((v) => v !== 0).length;
      expect(nonZero, `slot ${s}`).toBe(mask[s] === 1 ? 1 : 0);
    }
  });

  it('a batch without real pairs gives 0, not NaN', () => {
    const q = { query: tf.fill([1, 2], -1, 'int32'), truth: tf.zeros([1, 2]), mask: tf.zeros([1, 2]) };
    expect(queriedBinaryCrossEntropy(tf.randomNormal([1, 2, 4]), q).dataSync()[0]).toBe(0);
  });
});

const PREDICATES = ['left of', 'above', 'near'];
const info: DataInfo = {
  name: 'toy-queries',
  inputShape: [1],
  numClasses: 2,
  classNames: ['a', 'b'],
  facets: facets(facetEntry(PREDICATE_NAMES, PREDICATES)),
};

interface ToyQuery {
  query: number;
  truth: 0 | 1;
  logits: number[];
}

/** Image i's queries padded to 3 slots, and a model that returns their logits. */
function toy(images: ToyQuery[][]): { split: DataSplit; model: TappedModel } {
  const slots = 3;
  const padded = images.map((qs) => Array.from({ length: slots }, (_, j) => qs[j]));
  const split: DataSplit = {
    size: images.length,
    batch: (indices): Batch => {
      const rows = Array.from(indices, (i) => padded[i]!);
      const b = rows.length;
      return {
        x: tf.zeros([b, 1]),
        index: tf.tensor1d(indices, 'int32'),
        pairs: tf.zeros([b, slots, 2], 'int32'),
        pairMask: tf.tensor2d(
          rows.flatMap((r) => r.map((q) => (q ? 1 : 0))),
          [b, slots],
        ),
        pairQuery: tf.tensor2d(
          rows.flatMap((r) => r.map((q) => q?.query ?? -1)),
          [b, slots],
          'int32',
        ),
        pairTruth: tf.tensor2d(
          rows.flatMap((r) => r.map((q) => q?.truth ?? 0)),
          [b, slots],
        ),
      };
    },
  };
  const table = padded.map((r) => r.map((q) => q?.logits ?? [0, 9, 9, 9]));
  class Table extends TappedModel {
    readonly arch = 'table';
    tapSpecs(): TapSpecs {
      return { relationLogits: { shape: [-1, PREDICATES.length + 1], kind: 'other' } };
    }
    forward(batch: Batch): TapValues {
      return { relationLogits: tf.tensor3d(Array.from(batch['index']!.dataSync()).map((i) => table[i]!)) };
    }
  }
  return { split, model: new Table() };
}

const taskFor = (model: TappedModel) => {
  const task = new TripleVerificationTask();
  task.setup({
    hparams: tripleVerificationHParams.parse({}),
    data: info,
    student: participant('student', 'student', model),
    tap: () => ({ shape: [-1, 4], kind: 'other' }),
  });
  return task;
};

// columns: background, left of, above, near. Image 0: "left of?" true, logit 2 ✓; "above?" false, logit 0
// (σ = 0.5 rounds to false) ✓; "near?" true, logit −1 ✗. Image 1: "left of?" false, logit 3 ✗.
const IMAGES: ToyQuery[][] = [
  [
    { query: 0, truth: 1, logits: [5, 2, -4, 4] },
    { query: 1, truth: 0, logits: [5, 7, 0, 4] },
    { query: 2, truth: 1, logits: [5, 7, 8, -1] },
  ],
  [{ query: 0, truth: 0, logits: [0, 3, 0, 0] }],
];

describe('triple-verification task: metrics on hand-made logits', () => {
  it('accuracy over the queries (logit > 0 is "true"), per queried predicate, mean BCE; padding ignored; any batch size', () => {
    const { split, model } = toy(IMAGES);
    const task = taskFor(model);
    const bce = (z: number, y: number) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    const mean = (bce(2, 1) + bce(0, 0) + bce(-1, 1) + bce(3, 0)) / 4;
    for (const batchSize of [1, 2]) {
      const m = task.evaluate({ model, split, batchSize, data: info });
      expect(m['accuracy']).toBe(2 / 4);
      expect(m['accuracy.left-of']).toBe(1 / 2);
      expect(m['accuracy.above']).toBe(1);
      expect(m['accuracy.near']).toBe(0);
      expect(m['loss']).toBeCloseTo(mean, 6);
    }
    expect(task.metrics().map((s) => s.name)).toEqual([
      'accuracy',
      'loss',
      'accuracy.left-of',
      'accuracy.above',
      'accuracy.near',
    ]);
    expectFlatTensorCount(() => task.evaluate({ model, split, batchSize: 2, data: info }));
  });

  it('a student without a relation head, or with the wrong width, is refused in one line', () => {
    const { model } = toy(IMAGES);
    class NoHead extends TappedModel {
      readonly arch = 'plain';
      tapSpecs(): TapSpecs {
        return { logits: { shape: [-1, 2], kind: 'logits' } };
      }
      forward(): TapValues {
        return {};
      }
    }
    expect(() => taskFor(new NoHead())).toThrow(UserError);
    expect(() => taskFor(new NoHead())).toThrow(/no relation head \(tap 'relationLogits'\)/);
    class Narrow extends TappedModel {
      readonly arch = 'narrow';
      tapSpecs(): TapSpecs {
        return { relationLogits: { shape: [-1, 3], kind: 'other' } };
      }
      forward(): TapValues {
        return {};
      }
    }
    expect(() => taskFor(new Narrow())).toThrow(/has 3 outputs, dataset 'toy-queries' needs 4/);
    expect(() => taskFor(model)).not.toThrow();
  });
});
