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
import {
  errorOf,
  expectFlatTensorCount,
  loadFixture,
  participant,
  relErr,
  relErrTensor,
  SpecModel,
  stepContext,
  tensorOf,
  type Arr,
} from '@kd/testing';
import { describe, expect, it } from 'vitest';
import {
  predicateBinaryCrossEntropy,
  predicateCrossEntropy,
  type PairLabels,
  type PredicateTarget,
} from './relationship-losses.js';
import {
  predicateVerificationMetric,
  RelationshipsTask,
  relationshipsHParams,
  type RelationshipsHParams,
} from './relationships.js';

/** PyTorch values (tools/golden/relationships.py): the ce term per target and the bce term, with gradients. */
interface Golden {
  logits: Arr;
  pairMask: Arr;
  pairPredicates: Arr;
  pairPredicate: Arr;
  ce_triples: { loss: number; rows: number; grad: Arr };
  ce_primary: { loss: number; rows: number; grad: Arr };
  bce: { loss: number; grad: Arr };
}
const golden = loadFixture<Golden>(new URL('./__fixtures__/relationships.golden.json', import.meta.url));
const TOL = 1e-5;

const goldenLabels = (): PairLabels => ({
  pairMask: tensorOf(golden.pairMask),
  pairPredicates: tensorOf(golden.pairPredicates),
  pairPredicate: tf.tensor(golden.pairPredicate.data, golden.pairPredicate.shape, 'int32'),
});

describe('relationship loss terms: golden values (PyTorch)', () => {
  for (const target of ['triples', 'primary'] as PredicateTarget[]) {
    it(`ce, target ${target}: value and gradient`, () => {
      const labels = goldenLabels();
      const expected = golden[`ce_${target}`];
      const f = (z: tf.Tensor) => predicateCrossEntropy(z, labels, target);
      const logits = tensorOf(golden.logits);
      expect(relErr(f(logits).dataSync()[0]!, expected.loss)).toBeLessThanOrEqual(TOL);
      expect(relErrTensor(tf.grad(f)(logits), expected.grad)).toBeLessThanOrEqual(TOL);
    });
  }

  it('bce: value and gradient (background column untrained)', () => {
    const labels = goldenLabels();
    const f = (z: tf.Tensor) => predicateBinaryCrossEntropy(z, labels);
    const logits = tensorOf(golden.logits);
    expect(relErr(f(logits).dataSync()[0]!, golden.bce.loss)).toBeLessThanOrEqual(TOL);
    const g = tf.grad(f)(logits);
    expect(relErrTensor(g, golden.bce.grad)).toBeLessThanOrEqual(TOL);
    expect(Array.from(tf.slice(g, [0, 0, 0], [-1, -1, 1]).dataSync()).every((v) => v === 0)).toBe(true);
  });

  it('a batch without real pairs gives 0, not NaN', () => {
    const labels: PairLabels = {
      pairMask: tf.zeros([1, 2]),
      pairPredicates: tf.zeros([1, 2, 3]),
      pairPredicate: tf.fill([1, 2], -1, 'int32'),
    };
    const logits = tf.randomNormal([1, 2, 4]);
    expect(predicateCrossEntropy(logits, labels, 'triples').dataSync()[0]).toBe(0);
    expect(predicateBinaryCrossEntropy(logits, labels).dataSync()[0]).toBe(0);
  });
});

// ---- hand-made relation data: 3 predicates, column 0 of the logits = background ----

const PREDICATES = ['left of', 'above', 'near'];
const info: DataInfo = {
  name: 'toy-pairs',
  inputShape: [1],
  numClasses: 2,
  classNames: ['a', 'b'],
  facets: facets(facetEntry(PREDICATE_NAMES, PREDICATES)),
};

interface ToyPair {
  pair: [number, number];
  holds: number[];
  logits: number[];
}

/** Image i's real pairs (padded to `slots`), with the logits a table model returns for them. */
function toySplit(images: ToyPair[][], slots: number): { split: DataSplit; model: TableModel } {
  const n = PREDICATES.length;
  const padded = images.map((pairs) => Array.from({ length: slots }, (_, j) => pairs[j]));
  const split: DataSplit = {
    size: images.length,
    batch: (indices) => {
      const rows = Array.from(indices, (i) => padded[i]!);
      const b = rows.length;
      return {
        x: tf.zeros([b, 1]),
        index: tf.tensor1d(indices, 'int32'),
        pairs: tf.tensor3d(
          rows.flatMap((r) => r.flatMap((p) => p?.pair ?? [0, 0])),
          [b, slots, 2],
          'int32',
        ),
        pairMask: tf.tensor2d(
          rows.flatMap((r) => r.map((p) => (p ? 1 : 0))),
          [b, slots],
        ),
        pairPredicate: tf.tensor2d(
          rows.flatMap((r) => r.map((p) => (p?.holds.length ? p.holds[0]! : -1))),
          [b, slots],
          'int32',
        ),
        pairPredicates: tf.tensor3d(
          rows.flatMap((r) => r.flatMap((p) => Array.from({ length: n }, (_, k) => (p?.holds.includes(k) ? 1 : 0)))),
          [b, slots, n],
        ),
      };
    },
  };
  const table = padded.map((r) => r.map((p) => p?.logits ?? [9, -9, -9, -9]));
  return { split, model: new TableModel(table) };
}

/** A "model" whose relation logits for image i are table[i] ([Q, 1 + N]), looked up by `batch.index`. */
class TableModel extends TappedModel {
  readonly arch = 'table';
  constructor(private readonly table: number[][][]) {
    super();
  }
  tapSpecs(): TapSpecs {
    return { relationLogits: { shape: [-1, PREDICATES.length + 1], kind: 'other' } };
  }
  forward(batch: Batch): TapValues {
    const idx = Array.from(batch['index']!.dataSync());
    return { relationLogits: tf.tensor3d(idx.map((i) => this.table[i]!)) };
  }
}

function taskFor(model: TappedModel, hparams: Partial<RelationshipsHParams> = {}): RelationshipsTask {
  const task = new RelationshipsTask();
  task.setup({
    hparams: relationshipsHParams.parse(hparams),
    data: info,
    student: participant('student', 'student', model),
    tap: () => ({ shape: [-1, 4], kind: 'other' }),
  });
  return task;
}

// image 0: (0,1) holds left of + near, predicted left of ✓; (1,0) holds above, predicted near ✗;
// (0,2) holds nothing (background), predicted above; image 1: (1,0) holds above, predicted above ✓
const IMAGES: ToyPair[][] = [
  [
    { pair: [0, 1], holds: [0, 2], logits: [0, 3, 0, 1] },
    { pair: [1, 0], holds: [1], logits: [0, 1, 0, 2] },
    { pair: [0, 2], holds: [], logits: [2, 0, 1, 0] },
  ],
  [{ pair: [1, 0], holds: [1], logits: [0, 0, 2, 0] }],
];

const logSoftmax = (z: number[], k: number) => z[k]! - Math.log(z.reduce((s, v) => s + Math.exp(v), 0));

describe('relationships task: metrics on hand-made logits', () => {
  it('R@50/R@100 over every (pair, predicate) that holds, triple verification (softmax ≥ 0.5), per predicate, mean CE over the training rows, whatever the batch size', () => {
    const { split, model } = toySplit(IMAGES, 4);
    const task = taskFor(model);
    // training rows (target triples): (0,1)→left of, (0,1)→near, (1,0)→above, (0,2)→background, image 1 (1,0)→above
    const [p0, p1, p2] = IMAGES[0]!.map((p) => p.logits);
    const p3 = IMAGES[1]![0]!.logits;
    const ce =
      -(logSoftmax(p0!, 1) + logSoftmax(p0!, 3) + logSoftmax(p1!, 2) + logSoftmax(p2!, 0) + logSoftmax(p3, 2)) / 5;
    for (const batchSize of [1, 2]) {
      const m = task.evaluate({ model, split, batchSize, data: info });
      expect(m['R@50']).toBeCloseTo(2 / 4, 12);
      expect(m['R@100']).toBeCloseTo(2 / 4, 12);
      // softmax: (0,1) p = .81 .04 .11 → ✓ ✓ ✗; (1,0) p = .22 .08 .61 → ✓ ✗ ✗; (0,2) all low → ✓ ✓ ✓; image 1 p(above) = .71 → ✓ ✓ ✓
      expect(m['verification']).toBeCloseTo(9 / 12, 12);
      expect(m[predicateVerificationMetric('left of')]).toBeCloseTo(4 / 4, 12);
      expect(m[predicateVerificationMetric('above')]).toBeCloseTo(3 / 4, 12);
      expect(m[predicateVerificationMetric('near')]).toBeCloseTo(2 / 4, 12);
      expect(m['loss']).toBeCloseTo(ce, 5);
      // per predicate: left of 1 of 1 triples matched, above 1 of 2 (image 1's), near 0 of 1
      expect(m['R@50.left-of']).toBe(1);
      expect(m['R@50.above']).toBe(0.5);
      expect(m['R@50.near']).toBe(0);
      expect(m['R@all']).toBeCloseTo(2 / 4, 12);
    }
    expect(task.metrics().map((s) => s.name)).toEqual([
      'R@50',
      'R@100',
      'R@all',
      'verification',
      'loss',
      'verification.left-of',
      'verification.above',
      'verification.near',
      'R@50.left-of',
      'R@50.above',
      'R@50.near',
    ]);
    expect(task.metrics().every((s) => s.unit === (s.name === 'loss' ? 'score' : 'fraction'))).toBe(true);
  });

  it('scores: sigmoid verifies each predicate by its own sigmoid (threshold 0.5) and reports the mean BCE', () => {
    const { split, model } = toySplit(IMAGES, 4);
    const m = taskFor(model, { scores: 'sigmoid' }).evaluate({ model, split, batchSize: 2, data: info });
    // σ(0) = 0.5 counts as "holds": (0,1) ✓ ✗ ✓; (1,0) ✗ ✓ ✗; (0,2) ✗ ✗ ✗; image 1 ✗ ✓ ✗
    expect(m['verification']).toBeCloseTo(4 / 12, 12);
    expect(m['R@50']).toBeCloseTo(2 / 4, 12);
    const bce = (z: number, y: number) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    const all = IMAGES.flat();
    const mean =
      all.reduce(
        (s, p) => s + [0, 1, 2].reduce((t, k) => t + bce(p.logits[k + 1]!, p.holds.includes(k) ? 1 : 0), 0),
        0,
      ) /
      (all.length * 3);
    expect(m['loss']).toBeCloseTo(mean, 5);
  });

  it("annotation: primary — only each pair's primary predicate is ground truth (training rows, R@K, verification)", () => {
    const { split, model } = toySplit(IMAGES, 4);
    const task = taskFor(model, { annotation: 'primary' });
    const m = task.evaluate({ model, split, batchSize: 2, data: info });
    // primaries (the first that holds): (0,1) left of ✓ predicted left of; (1,0) above ✗ (near); (0,2) none; image 1 above ✓
    expect(m['R@50']).toBeCloseTo(2 / 3, 12);
    expect(m['R@50.left-of']).toBe(1);
    expect(m['R@50.above']).toBe(0.5);
    // softmax ≥ 0.5 against the one-hot primaries: (0,1) ✓ ✓ ✓ (near no longer annotated, 0.11 < 0.5); (1,0) ✓ ✗ ✗;
    // (0,2) ✓ ✓ ✓; image 1 ✓ ✓ ✓
    expect(m['verification']).toBeCloseTo(10 / 12, 12);
    // training rows: (0,1)→left of, (1,0)→above, (0,2)→background, image 1 (1,0)→above
    const [p0, p1, p2] = IMAGES[0]!.map((p) => p.logits);
    const p3 = IMAGES[1]![0]!.logits;
    const ce = -(logSoftmax(p0!, 1) + logSoftmax(p1!, 2) + logSoftmax(p2!, 0) + logSoftmax(p3, 2)) / 4;
    expect(m['loss']).toBeCloseTo(ce, 5);
  });

  it('R@50 keeps the 50 most confident pairs of an image, R@100 the 100 most confident', () => {
    // 60 pairs, predicate 0 holds for each: the 50 most confident predict 'near' (wrong), the 10 others 'left of'
    const pairs: ToyPair[] = Array.from({ length: 60 }, (_, j) => ({
      pair: [j, j + 1],
      holds: [0],
      logits: j < 50 ? [0, 0, 0, 5] : [0, 2, 0, 0],
    }));
    const { split, model } = toySplit([pairs], 60);
    const m = taskFor(model).evaluate({ model, split, batchSize: 1, data: info });
    expect(m['R@50']).toBe(0);
    expect(m['R@100']).toBeCloseTo(10 / 60, 12);
    expect(m['R@all']).toBeCloseTo(10 / 60, 12);
  });

  it("R@all has no cut, as the official VRD test script: an image's 120 pairs all count", () => {
    // the 100 most confident pairs predict 'near' (wrong), the 20 others 'left of' (right)
    const pairs: ToyPair[] = Array.from({ length: 120 }, (_, j) => ({
      pair: [j, j + 1],
      holds: [0],
      logits: j < 100 ? [0, 0, 0, 5] : [0, 2, 0, 0],
    }));
    const { split, model } = toySplit([pairs], 120);
    const m = taskFor(model).evaluate({ model, split, batchSize: 1, data: info });
    expect(m['R@50']).toBe(0);
    expect(m['R@100']).toBe(0);
    expect(m['R@all']).toBeCloseTo(20 / 120, 12);
    expect(m['R@50.left-of']).toBe(0);
  });

  it('an empty split reports zeros, not NaN', () => {
    const { split, model } = toySplit([[]], 2);
    const m = taskFor(model).evaluate({ model, split, batchSize: 1, data: info });
    expect(Object.values(m).every((v) => v === 0)).toBe(true);
  });

  it('evaluation leaves no tensors behind', () => {
    const { split, model } = toySplit(IMAGES, 4);
    const task = taskFor(model);
    expectFlatTensorCount(() => task.evaluate({ model, split, batchSize: 1, data: info }));
  });
});

describe('relationships task: training terms', () => {
  const batch = () => toySplit(IMAGES, 4).split.batch(Int32Array.of(0, 1));
  const logitsOf = () =>
    tf.tensor3d(IMAGES.map((pairs) => Array.from({ length: 4 }, (_, j) => pairs[j]?.logits ?? [9, -9, -9, -9])));

  it('computes only the active terms; ce and bce are the loss functions of the batch’s pair labels', () => {
    const task = taskFor(new SpecModel({ relationLogits: { shape: [-1, 4], kind: 'other' } }));
    const b = batch();
    const labels = {
      pairMask: b['pairMask']!,
      pairPredicates: b['pairPredicates']!,
      pairPredicate: b['pairPredicate']!,
    };
    const z = logitsOf();
    expect(Object.keys(task.losses(stepContext({ relationLogits: z }, undefined, [], b)))).toEqual([]);
    expect(Object.keys(task.losses(stepContext({ relationLogits: z }, undefined, ['ce'], b)))).toEqual(['ce']);
    const both = task.losses(stepContext({ relationLogits: z }, undefined, ['ce', 'bce'], b));
    expect(both['ce']!.dataSync()[0]).toBeCloseTo(predicateCrossEntropy(z, labels, 'triples').dataSync()[0]!, 6);
    expect(both['bce']!.dataSync()[0]).toBeCloseTo(predicateBinaryCrossEntropy(z, labels).dataSync()[0]!, 6);
    const primary = taskFor(new SpecModel({ relationLogits: { shape: [-1, 4], kind: 'other' } }), {
      target: 'primary',
    });
    expect(primary.losses(stepContext({ relationLogits: z }, undefined, ['ce'], b))['ce']!.dataSync()[0]).toBeCloseTo(
      predicateCrossEntropy(z, labels, 'primary').dataSync()[0]!,
      6,
    );
  });

  it('gradients reach the pair features and every column of the relation head, never a padded pair', () => {
    const task = taskFor(new SpecModel({ relationLogits: { shape: [-1, 4], kind: 'other' } }));
    const b = batch();
    const features = tf.variable(tf.randomNormal([2, 4, 5], 0, 1, 'float32', 3));
    const head = tf.variable(tf.randomNormal([5, 4], 0, 1, 'float32', 4));
    for (const term of ['ce', 'bce']) {
      const { grads } = tf.variableGrads(() => {
        const z = tf.reshape(tf.matMul(tf.reshape(features, [8, 5]), head), [2, 4, 4]);
        return task.losses(stepContext({ relationLogits: z }, undefined, [term], b))[term]!;
      }, [features, head]);
      const g = grads[features.name]!.arraySync() as number[][][];
      // real pairs: image 0 slots 0–2, image 1 slot 0
      const norm = (v: number[]) => Math.hypot(...v);
      for (const [i, j] of [
        [0, 0],
        [0, 1],
        [0, 2],
        [1, 0],
      ] as const)
        expect(norm(g[i]![j]!), `${term} pair ${i},${j}`).toBeGreaterThan(0);
      for (const [i, j] of [
        [0, 3],
        [1, 1],
        [1, 2],
        [1, 3],
      ] as const)
        expect(norm(g[i]![j]!), `${term} padding ${i},${j}`).toBe(0);
      const h = grads[head.name]!.arraySync() as number[][];
      const columns = [0, 1, 2, 3].map((c) => norm(h.map((row) => row[c]!)));
      // ce trains background too (it is pushed down for related pairs, up for (0,2)); bce leaves it alone
      expect(columns.slice(1).every((v) => v > 0)).toBe(true);
      expect(columns[0]! > 0).toBe(term === 'ce');
      tf.dispose(grads);
    }
  });

  it('a training step leaves no tensors behind', () => {
    const task = taskFor(new SpecModel({ relationLogits: { shape: [-1, 4], kind: 'other' } }));
    const b = batch();
    const z = logitsOf();
    expectFlatTensorCount(() =>
      tf.dispose(task.losses(stepContext({ relationLogits: z }, undefined, ['ce', 'bce'], b))),
    );
  });
});

describe('relationships task: setup and declarations', () => {
  it('needs a relation head of 1 + predicates outputs: one line naming student.options.predicates', () => {
    const none = errorOf(() => taskFor(new SpecModel({ logits: { shape: [2], kind: 'logits' } })));
    expect(none).toBeInstanceOf(UserError);
    expect(none.message).toMatch(/no relation head .*student\.options\.predicates: 4 \(3 predicates \+ background\)/);
    const wrong = errorOf(() => taskFor(new SpecModel({ relationLogits: { shape: [-1, 3], kind: 'other' } })));
    expect(wrong).toBeInstanceOf(UserError);
    expect(wrong.message).toMatch(/has 3 outputs.*needs 4 .*student\.options\.predicates: 4/);
    expect(wrong.message).not.toContain('\n');
  });

  it('declares its taps, batch keys (with the number of predicates) and the predicates facet', () => {
    const task = taskFor(new SpecModel({ relationLogits: { shape: [-1, 4], kind: 'other' } }));
    expect(task.requiredTaps()).toEqual([{ role: 'student', tap: 'relationLogits' }]);
    expect(task.requiredBatchKeys().map((k) => k.key)).toEqual([
      'pairs',
      'pairMask',
      'pairPredicate',
      'pairPredicates',
    ]);
    expect(task.requiredBatchKeys().find((k) => k.key === 'pairPredicates')!.shape).toEqual([-1, 3]);
    expect(task.requiredFacets()).toEqual([PREDICATE_NAMES]);
  });
});
