import * as tf from '@tensorflow/tfjs';
import {
  BASE_NOVEL_CLASSES,
  Rng,
  TappedModel,
  UserError,
  createHost,
  createRunContainer,
  facetEntry,
  facets,
  listTasks,
  resolveTask,
  type Batch,
  type DataInfo,
  type DataSplit,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { participant, stepContext } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { DetectionTask, detectionHParams, type DetectionHParams } from './detection.js';
import { sampleRegions } from './detection/region-sampling.js';
import { register } from './index.js';

/**
 * Two 64×64 images, K = 3 classes, class 2 novel. Image 0: a class-0 object at [0, 0, 10, 10] and a
 * novel object at [20, 20, 30, 30] (absent from the base annotations); image 1: a class-1 object at
 * [5, 5, 15, 15]. Each image has three region slots; image 1's second slot is padding.
 */
const K = 3;
const R = 3;
const REGIONS = [
  [
    [0, 0, 10, 10],
    [20, 20, 30, 30],
    [40, 40, 50, 50],
  ],
  [
    [5, 5, 15, 15],
    [0, 0, 0, 0],
    [30, 30, 40, 40],
  ],
];
const MASK = [
  [1, 1, 1],
  [1, 0, 1],
];
const FULL = [
  {
    boxes: [
      [0, 0, 10, 10],
      [20, 20, 30, 30],
    ],
    classes: [0, 2],
  },
  { boxes: [[5, 5, 15, 15]], classes: [1] },
];
const BASE = [
  { boxes: [[0, 0, 10, 10]], classes: [0] },
  { boxes: [[5, 5, 15, 15]], classes: [1] },
];
const M = 2;

const data = (novel: number[] = [2]): DataInfo => ({
  name: 'toy-scenes',
  inputShape: [64, 64, 1],
  numClasses: K,
  classNames: ['a', 'b', 'c'],
  facets: facets(facetEntry(BASE_NOVEL_CLASSES, { base: [0, 1, 2].filter((k) => !novel.includes(k)), novel })),
});

function objects(list: { boxes: number[][]; classes: number[] }[], indices: ArrayLike<number>) {
  const rows = Array.from(indices, (i) => list[i]!);
  return {
    boxes: tf.tensor3d(rows.map((o) => Array.from({ length: M }, (_, j) => o.boxes[j] ?? [0, 0, 0, 0]))),
    classes: tf.tensor2d(
      rows.map((o) => Array.from({ length: M }, (_, j) => o.classes[j] ?? -1)),
      undefined,
      'int32',
    ),
    count: tf.tensor1d(
      rows.map((o) => o.boxes.length),
      'int32',
    ),
  };
}

function batchOf(indices: ArrayLike<number>): Batch {
  const base = objects(BASE, indices);
  const full = objects(FULL, indices);
  return {
    x: tf.zeros([indices.length, 64, 64, 1]),
    index: tf.tensor1d(Array.from(indices), 'int32'),
    boxes: base.boxes,
    boxClasses: base.classes,
    boxCount: base.count,
    fullBoxes: full.boxes,
    fullBoxClasses: full.classes,
    fullBoxCount: full.count,
  };
}

const split: DataSplit = { size: 2, batch: (indices) => batchOf(indices) };

/** A detector whose region outputs for image i are fixed tables (looked up by `batch.index`). */
class TableDetector extends TappedModel {
  readonly arch = 'table-detector';
  constructor(
    private readonly logits: number[][][],
    private readonly deltas: number[][][] = REGIONS.map((img) => img.map(() => [0, 0, 0, 0])),
    private readonly classes = K,
  ) {
    super();
  }
  tapSpecs(): TapSpecs {
    return {
      regionLogits: { shape: [R, this.classes + 1], kind: 'other' },
      boxDeltas: { shape: [R, 4], kind: 'other' },
      regionBoxes: { shape: [R, 4], kind: 'other' },
      regionMask: { shape: [R], kind: 'other' },
      logits: { shape: [this.classes], kind: 'logits' },
    };
  }
  forward(batch: Batch): TapValues {
    const idx = Array.from(batch['index']!.dataSync());
    return {
      regionLogits: tf.tensor3d(idx.map((i) => this.logits[i]!)),
      boxDeltas: tf.tensor3d(idx.map((i) => this.deltas[i]!)),
      regionBoxes: tf.tensor3d(idx.map((i) => REGIONS[i]!)),
      regionMask: tf.tensor2d(idx.map((i) => MASK[i]!)),
      logits: tf.zeros([idx.length, this.classes]),
    };
  }
}

/** Logit 10 for the given column (0 = background) of each region, 0 elsewhere. */
const peaked = (columns: number[][]) =>
  columns.map((img) => img.map((c) => Array.from({ length: K + 1 }, (_, j) => (j === c ? 10 : 0))));

function task(
  hparams: Partial<DetectionHParams> = {},
  info = data(),
  model: TappedModel = new TableDetector(
    peaked([
      [1, 3, 0],
      [2, 0, 0],
    ]),
  ),
): DetectionTask {
  const t = new DetectionTask();
  t.setup({
    hparams: detectionHParams.parse(hparams),
    data: info,
    student: participant('student', 'student', model),
    tap: (_role, name) => model.tapSpecs()[name]!,
  });
  return t;
}

describe('detection task: evaluation', () => {
  it('AP@0.5 over all, base and novel classes against every object; the same for any batch size', () => {
    // regions on the objects, the right class each (novel one included), background elsewhere
    const model = new TableDetector(
      peaked([
        [1, 3, 0],
        [2, 0, 0],
      ]),
    );
    for (const batchSize of [1, 2]) {
      const m = task().evaluate({ model, split, batchSize, data: data() });
      expect(m['AP50']).toBeCloseTo(1, 12);
      expect(m['AP50.base']).toBeCloseTo(1, 12);
      expect(m['AP50.novel']).toBeCloseTo(1, 12);
    }
  });

  it('a novel object taken for background costs novel AP only (scores at or below the threshold are not detections)', () => {
    const model = new TableDetector(
      peaked([
        [1, 0, 0],
        [2, 0, 0],
      ]),
    );
    const m = task({ scoreThreshold: 0.01 }).evaluate({ model, split, batchSize: 2, data: data() });
    expect(m['AP50.base']).toBeCloseTo(1, 12);
    expect(m['AP50.novel']).toBe(0);
    expect(m['AP50']).toBeCloseTo(2 / 3, 12);
  });

  it('decodes the box deltas: a region moved off its object by its deltas is a false positive', () => {
    // image 1's class-1 region, shifted by one region width (dx = 10 · 1): IoU 0 with the object
    const deltas = REGIONS.map((img) => img.map(() => [0, 0, 0, 0]));
    deltas[1]![0] = [10, 0, 0, 0];
    const model = new TableDetector(
      peaked([
        [1, 3, 0],
        [2, 0, 0],
      ]),
      deltas,
    );
    const m = task({ scoreThreshold: 0.01 }).evaluate({ model, split, batchSize: 2, data: data() });
    expect(m['AP50.base']).toBeCloseTo(0.5, 12);
  });

  it('loss: CE over every valid region + smooth-L1 over the foreground ones, against the base annotations', () => {
    // uniform logits: CE log(K + 1) per region; deltas 0 on regions equal to their objects: box loss 0
    const uniform = REGIONS.map((img) => img.map(() => [0, 0, 0, 0]));
    for (const batchSize of [1, 2]) {
      const m = task().evaluate({ model: new TableDetector(uniform), split, batchSize, data: data() });
      expect(m['loss']).toBeCloseTo(Math.log(K + 1), 5);
    }
    // a foreground delta of 0.5 in x: smooth-L1 (β 1) 0.125 on one of 2 × 4 foreground coordinates
    const deltas = REGIONS.map((img) => img.map(() => [0, 0, 0, 0]));
    deltas[0]![0] = [0.5, 0, 0, 0];
    const m = task().evaluate({ model: new TableDetector(uniform, deltas), split, batchSize: 2, data: data() });
    expect(m['loss']).toBeCloseTo(Math.log(K + 1) + 0.125 / 8, 5);
  });

  it('reports AP50.novel only when the data has novel classes; evaluation leaks no tensors', () => {
    expect(
      task()
        .metrics()
        .map((s) => s.name),
    ).toEqual(['AP50', 'AP50.base', 'AP50.novel', 'loss']);
    const closed = task({}, data([]));
    expect(closed.metrics().map((s) => s.name)).toEqual(['AP50', 'AP50.base', 'loss']);
    const model = new TableDetector(
      peaked([
        [1, 3, 0],
        [2, 0, 0],
      ]),
    );
    const before = tf.memory().numTensors;
    const m = closed.evaluate({ model, split, batchSize: 1, data: data([]) });
    expect(Object.keys(m)).toEqual(['AP50', 'AP50.base', 'loss']);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a model whose region logits are not background + K classes, naming the model', () => {
    const wrong = new TableDetector(
      peaked([
        [1, 3, 0],
        [2, 0, 0],
      ]),
      undefined,
      K + 1,
    );
    expect(() => task({}, data(), wrong)).toThrow(UserError);
    expect(() => task({}, data(), wrong)).toThrow(
      /model 'student' \(table-detector\) has regionLogits \[3, 5\], expected \[R, 4\]/,
    );
  });
});

/** A table detector that also declares the optional `regionScores` (e.g. ViLD-ensemble's), as given tables. */
class ScoredTableDetector extends TableDetector {
  constructor(
    logits: number[][][],
    private readonly scores: number[][][],
    private readonly scoreColumns = K + 1,
  ) {
    super(logits);
  }
  override tapSpecs(): TapSpecs {
    return { ...super.tapSpecs(), regionScores: { shape: [R, this.scoreColumns], kind: 'other' } };
  }
  override forward(batch: Batch, options?: ForwardOptions): TapValues {
    const out = super.forward(batch);
    if (!options?.taps?.has('regionScores')) return out;
    const idx = Array.from(batch['index']!.dataSync());
    return { ...out, regionScores: tf.tensor3d(idx.map((i) => this.scores[i]!)) };
  }
}

/** Probability 0.9 for the given column (0 = background) of each region, the rest spread evenly. */
const scored = (columns: number[][]) =>
  columns.map((img) => img.map((c) => Array.from({ length: K + 1 }, (_, j) => (j === c ? 0.9 : 0.1 / K))));

describe('detection task: the optional regionScores tap', () => {
  it('scores the evaluation detections by regionScores instead of softmax(regionLogits); the loss metric keeps regionLogits', () => {
    const uniform = REGIONS.map((img) => img.map(() => [0, 0, 0, 0]));
    const right = scored([
      [1, 3, 0],
      [2, 0, 0],
    ]);
    const model = new ScoredTableDetector(uniform, right);
    for (const batchSize of [1, 2]) {
      const m = task({}, data(), model).evaluate({ model, split, batchSize, data: data() });
      expect(m['AP50']).toBeCloseTo(1, 12);
      expect(m['AP50.novel']).toBeCloseTo(1, 12);
      expect(m['loss']).toBeCloseTo(Math.log(K + 1), 5);
    }
    // the same logits without regionScores: uniform probabilities 1/4, above the default threshold for every class
    const plain = task({ scoreThreshold: 0.3 }).evaluate({
      model: new TableDetector(uniform),
      split,
      batchSize: 2,
      data: data(),
    });
    expect(plain['AP50']).toBe(0);
    // scores that miss the novel object cost novel AP only, whatever the logits say
    const logitsRight = peaked([
      [1, 3, 0],
      [2, 0, 0],
    ]);
    const missed = new ScoredTableDetector(
      logitsRight,
      scored([
        [1, 0, 0],
        [2, 0, 0],
      ]),
    );
    const m = task({ scoreThreshold: 0.3 }, data(), missed).evaluate({
      model: missed,
      split,
      batchSize: 2,
      data: data(),
    });
    expect(m['AP50.base']).toBeCloseTo(1, 12);
    expect(m['AP50.novel']).toBe(0);
  });

  it('is not a required tap; regionScores not shaped as regionLogits are refused at setup, naming the model', () => {
    const model = new ScoredTableDetector(
      peaked([
        [1, 3, 0],
        [2, 0, 0],
      ]),
      scored([
        [1, 3, 0],
        [2, 0, 0],
      ]),
    );
    expect(
      task({}, data(), model)
        .requiredTaps()
        .map((r) => r.tap),
    ).not.toContain('regionScores');
    const wrong = new ScoredTableDetector(
      peaked([
        [1, 3, 0],
        [2, 0, 0],
      ]),
      scored([
        [1, 3, 0],
        [2, 0, 0],
      ]),
      K,
    );
    expect(() => task({}, data(), wrong)).toThrow(UserError);
    expect(() => task({}, data(), wrong)).toThrow(
      /model 'student' \(table-detector\) has regionScores \[3, 3\], expected \[3, 4\]/,
    );
  });
});

describe('detection task: training losses', () => {
  const taps = (logits: tf.Tensor, deltas: tf.Tensor): TapValues => ({
    regionLogits: logits,
    boxDeltas: deltas,
    regionBoxes: tf.tensor3d(REGIONS),
    regionMask: tf.tensor2d(MASK),
  });

  it('the gradient reaches the sampled regions (cls) and their foreground ones (box), nothing else; same step, same sample', () => {
    // 2 regions per image, half foreground: image 0 → its class-0 region + one of its 2 background regions
    // (the novel object's region is background: unannotated); image 1 → its class-1 region + its one background region
    const t = task({ regionsPerImage: 2, foregroundFraction: 0.5 });
    const logits = tf.variable(tf.randomNormal([2, R, K + 1], 0, 1, 'float32', 1));
    const deltas = tf.variable(tf.randomNormal([2, R, 4], 0, 1, 'float32', 2));
    const batch = batchOf([0, 1]);
    const gradRows = (step: number) => {
      const { grads } = tf.variableGrads(() => {
        const ctx = { ...stepContext(taps(logits, deltas), undefined, ['cls', 'box'], batch), step };
        const l = t.losses(ctx);
        return tf.add(l['cls']!, l['box']!) as tf.Scalar;
      }, [logits, deltas]);
      const rows = (g: tf.Tensor, width: number) =>
        Array.from({ length: 2 * R }, (_, i) => i).filter(
          (i) => tf.tidy(() => tf.sum(tf.abs(g.reshape([-1, width]).slice([i, 0], [1, width]))).dataSync()[0]!) > 0,
        );
      const out = { cls: rows(grads[logits.name]!, K + 1), box: rows(grads[deltas.name]!, 4) };
      tf.dispose(Object.values(grads));
      return out;
    };
    const first = gradRows(5);
    expect(first.box).toEqual([0, 3]); // the two foreground regions: image 0 slot 0, image 1 slot 0
    expect(first.cls).toHaveLength(4);
    expect(first.cls).toEqual(expect.arrayContaining([0, 3, 5])); // image 1's only valid background is slot 2 (row 5); slot 1 is padding
    expect(first.cls.filter((r) => r === 1 || r === 2)).toHaveLength(1);
    expect(gradRows(5)).toEqual(first);
    const drawn = new Set(Array.from({ length: 12 }, (_, s) => gradRows(s).cls.find((r) => r === 1 || r === 2)));
    expect(drawn).toEqual(new Set([1, 2])); // over steps, both background regions of image 0 are drawn
    tf.dispose([logits, deltas, ...Object.values(batch)]);
  });

  it('computes only the active terms; a step leaks no tensors', () => {
    const t = task();
    const logits = tf.randomNormal([2, R, K + 1]);
    const deltas = tf.randomNormal([2, R, 4]);
    const batch = batchOf([0, 1]);
    const values = taps(logits, deltas);
    expect(t.losses(stepContext(values, undefined, [], batch))).toEqual({});
    expect(Object.keys(t.losses(stepContext(values, undefined, ['box'], batch)))).toEqual(['box']);
    tf.dispose(Object.values(t.losses(stepContext(values, undefined, ['cls', 'box'], batch))));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++)
      tf.dispose(Object.values(t.losses(stepContext(values, undefined, ['cls', 'box'], batch))));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, deltas, ...Object.values(values), ...Object.values(batch)]);
  });
});

describe('region sampling', () => {
  const labels = Int32Array.from([1, 0, 0, 2, -1, 0, 0, 3, 0, 0]); // 3 foreground, 6 background, 1 ignored

  it('draws at most ⌊n · fraction⌋ foreground regions, fills up with background, never an ignored one', () => {
    const s = sampleRegions(labels, 4, 0.25, new Rng(3));
    expect(s.length).toBe(4);
    expect(Array.from(s).filter((r) => labels[r]! >= 1)).toHaveLength(1);
    expect(Array.from(s)).not.toContain(4);
    // more asked for than there is: every foreground (3 < 8) and every background region
    expect(Array.from(sampleRegions(labels, 32, 0.25, new Rng(3)))).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    // few backgrounds: the foreground share is a cap, not a quota
    expect(
      Array.from(sampleRegions(Int32Array.from([1, 1, 1, 0]), 4, 0.5, new Rng(1)))
        .map((r) => (r < 3 ? 'fg' : 'bg'))
        .filter((x) => x === 'bg'),
    ).toHaveLength(1);
  });

  it('is a function of the seed', () => {
    const a = Array.from(sampleRegions(labels, 4, 0.5, new Rng(11)));
    expect(Array.from(sampleRegions(labels, 4, 0.5, new Rng(11)))).toEqual(a);
    const others = new Set(
      Array.from({ length: 10 }, (_, s) => Array.from(sampleRegions(labels, 4, 0.5, new Rng(100 + s))).join()),
    );
    expect(others.size).toBeGreaterThan(1);
  });
});

describe('registration', () => {
  it('register() lists the detection task, primary AP50, terms cls, box and the RPN ones', () => {
    const host = createHost([register]);
    const d = listTasks(host).find((t) => t.id === 'detection')!;
    expect(d.primary).toBe('AP50');
    expect(d.terms.map((t) => t.name)).toEqual(['cls', 'box', 'rpn_objectness', 'rpn_box']);
    expect(d.metrics.map((m) => m.name)).toContain('AP50');
    expect(resolveTask(createRunContainer(host), 'detection').task).toBeInstanceOf(DetectionTask);
  });
});
