import * as tf from '@tensorflow/tfjs';
import {
  BASE_NOVEL_CLASSES,
  TappedModel,
  UserError,
  facetEntry,
  facets,
  type Batch,
  type DataInfo,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { participant, stepContext } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { DetectionTask, RPN_TAPS, detectionHParams, detectionTerms, type DetectionHParams } from './detection.js';

/**
 * Two 64×64 images, K = 2 classes; base annotations: image 0 a class-0 object at [0, 0, 10, 10],
 * image 1 a class-1 object at [5, 5, 15, 15]. Seven anchors, the same for both images. Labels
 * (fg ≥ 0.7, bg < 0.3): image 0 → fg 0 (IoU 1), 2 (0.83); bg 1, 3, 4; anchor 5 padding; 6 ignored
 * (0.47). Image 1 → fg 1 (IoU 1); bg 0, 2, 3, 4; 5 padding; 6 ignored (0.32).
 */
const K = 2;
const ANCHORS = [
  [0, 0, 10, 10],
  [5, 5, 15, 15],
  [0, 0, 12, 10],
  [40, 40, 50, 50],
  [30, 30, 40, 40],
  [0, 0, 0, 0],
  [2, 2, 12, 12],
];
const A = ANCHORS.length;
const FOREGROUND = [0, 2, A + 1];
const NEVER = [5, 6, A + 5, A + 6]; // padded and ignored anchors of both images

const data: DataInfo = {
  name: 'toy-scenes',
  inputShape: [64, 64, 1],
  numClasses: K,
  classNames: ['a', 'b'],
  facets: facets(facetEntry(BASE_NOVEL_CLASSES, { base: [0, 1], novel: [] })),
};

const batch = (): Batch => ({
  x: tf.zeros([2, 64, 64, 1]),
  boxes: tf.tensor3d([[[0, 0, 10, 10]], [[5, 5, 15, 15]]]),
  boxClasses: tf.tensor2d([[0], [1]], undefined, 'int32'),
  boxCount: tf.tensor1d([1, 1], 'int32'),
});

/** A detector with one region per image and, unless `rpnTaps` says otherwise, an RPN over `ANCHORS`. */
class RpnDetector extends TappedModel {
  readonly arch = 'rpn-detector';
  constructor(
    private readonly rpnTaps: readonly string[] = Object.values(RPN_TAPS),
    private readonly objectnessShape: number[] = [A],
  ) {
    super();
  }
  tapSpecs(): TapSpecs {
    const rpn: TapSpecs = {
      anchors: { shape: [A, 4], kind: 'other' },
      rpnObjectness: { shape: this.objectnessShape, kind: 'other' },
      rpnDeltas: { shape: [A, 4], kind: 'other' },
    };
    return {
      regionLogits: { shape: [1, K + 1], kind: 'other' },
      boxDeltas: { shape: [1, 4], kind: 'other' },
      regionBoxes: { shape: [1, 4], kind: 'other' },
      regionMask: { shape: [1], kind: 'other' },
      ...Object.fromEntries(this.rpnTaps.map((t) => [t, rpn[t]!])),
    };
  }
  forward(): TapValues {
    throw new Error('not run: the tests give the taps directly');
  }
}

function task(model: TappedModel = new RpnDetector(), hparams: Partial<DetectionHParams> = {}): DetectionTask {
  const t = new DetectionTask();
  t.setup({
    hparams: detectionHParams.parse(hparams),
    data,
    student: participant('student', 'student', model),
    tap: (_role, name) => model.tapSpecs()[name]!,
  });
  return t;
}

const regionTaps = (): TapValues => ({
  regionLogits: tf.zeros([2, 1, K + 1]),
  boxDeltas: tf.zeros([2, 1, 4]),
  regionBoxes: tf.tensor3d([[[0, 0, 10, 10]], [[5, 5, 15, 15]]]),
  regionMask: tf.ones([2, 1]),
});

const rpnTaps = (objectness: tf.Tensor, deltas: tf.Tensor): TapValues => ({
  ...regionTaps(),
  anchors: tf.tensor3d([ANCHORS, ANCHORS]),
  rpnObjectness: objectness,
  rpnDeltas: deltas,
});

/** The flat rows (image · A + anchor) of a gradient [2, A, w] that are not zero. */
const nonZeroRows = (g: tf.Tensor, width: number) => {
  const v = g.dataSync();
  return Array.from({ length: 2 * A }, (_, r) => r).filter((r) =>
    Array.from({ length: width }, (_, c) => v[r * width + c]!).some((x) => x !== 0),
  );
};

describe('detection task: RPN terms', () => {
  it('objectness gradient reaches the sampled anchors only, box gradient their foreground ones only; same step, same sample', () => {
    // 2 anchors per image, at most 1 foreground: image 0 one of its 2 fg + one of 3 bg; image 1 its fg + one of 4 bg
    const t = task(new RpnDetector(), { rpnAnchorsPerImage: 2, rpnForegroundFraction: 0.5 });
    const objectness = tf.variable(tf.randomNormal([2, A], 0, 1, 'float32', 1));
    const deltas = tf.variable(tf.randomNormal([2, A, 4], 0, 1, 'float32', 2));
    const b = batch();
    const gradRows = (step: number) => {
      const { grads } = tf.variableGrads(() => {
        const ctx = { ...stepContext(rpnTaps(objectness, deltas), undefined, ['rpn_objectness', 'rpn_box'], b), step };
        const l = t.losses(ctx);
        return tf.add(l['rpn_objectness']!, l['rpn_box']!) as tf.Scalar;
      }, [objectness, deltas]);
      const out = { objectness: nonZeroRows(grads[objectness.name]!, 1), box: nonZeroRows(grads[deltas.name]!, 4) };
      tf.dispose(Object.values(grads));
      return out;
    };
    const first = gradRows(3);
    expect(first.objectness).toHaveLength(4);
    expect(first.box).toHaveLength(2);
    expect(first.box.every((r) => FOREGROUND.includes(r))).toBe(true);
    expect(first.box).toContain(A + 1); // image 1's only foreground anchor
    expect(first.objectness).toEqual(expect.arrayContaining(first.box));
    expect(first.objectness.some((r) => NEVER.includes(r))).toBe(false);
    expect(gradRows(3)).toEqual(first);
    const drawn = new Set(Array.from({ length: 12 }, (_, s) => gradRows(s).box.find((r) => r < A)));
    expect(drawn).toEqual(new Set([0, 2])); // over steps, both foreground anchors of image 0 are drawn
    tf.dispose([objectness, deltas, ...Object.values(b)]);
  });

  it('every labelled anchor sampled: BCE of zero logits is log 2; deltas equal to the targets give no box loss', () => {
    const t = task();
    const b = batch();
    // foreground targets (weights 1, 1, 1, 1): anchors 0 and image 1's 1 sit on their objects (0);
    // anchor 2 [0, 0, 12, 10] onto [0, 0, 10, 10]: dx = (5 − 6)/12, dw = log(10/12)
    const deltas = tf.buffer([2, A, 4]);
    deltas.set(-1 / 12, 0, 2, 0);
    deltas.set(Math.log(10 / 12), 0, 2, 2);
    const values = rpnTaps(tf.zeros([2, A]), deltas.toTensor());
    const l = t.losses(stepContext(values, undefined, ['rpn_objectness', 'rpn_box'], b));
    expect(l['rpn_objectness']!.dataSync()[0]).toBeCloseTo(Math.log(2), 6);
    expect(l['rpn_box']!.dataSync()[0]).toBeCloseTo(0, 6);
    tf.dispose([...Object.values(l), ...Object.values(values), ...Object.values(b)]);
  });

  it('computes only the active terms; the RPN taps are required only of a model with an RPN; a step leaks no tensors', () => {
    const t = task();
    const b = batch();
    const values = rpnTaps(tf.randomNormal([2, A]), tf.randomNormal([2, A, 4]));
    expect(t.requiredTaps().map((r) => r.tap)).toEqual(expect.arrayContaining(Object.values(RPN_TAPS)));
    expect(Object.keys(t.losses(stepContext(values, undefined, ['cls', 'box'], b)))).toEqual(['cls', 'box']);
    expect(Object.keys(t.losses(stepContext(values, undefined, ['rpn_box'], b)))).toEqual(['rpn_box']);
    const all = ['cls', 'box', 'rpn_objectness', 'rpn_box'];
    tf.dispose(Object.values(t.losses(stepContext(values, undefined, all, b))));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(Object.values(t.losses(stepContext(values, undefined, all, b))));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...Object.values(values), ...Object.values(b)]);
  });

  it('a model without an RPN cannot have the RPN terms (unavailableTerms: the run switches them off); they are not required', () => {
    expect(detectionTerms.filter((d) => d.name.startsWith('rpn_')).map((d) => d.defaultWeight)).toEqual([1, 1]);
    const plain = new RpnDetector([]);
    const t = task(plain);
    expect(t.unavailableTerms(plain).map((u) => u.term)).toEqual(['rpn_objectness', 'rpn_box']);
    expect(t.unavailableTerms(plain)[0]!.why).toMatch(
      /^model 'rpn-detector' has no RPN \(it declares none or not all of the taps anchors, rpnObjectness, rpnDeltas\)$/,
    );
    expect(t.unavailableTerms(new RpnDetector())).toEqual([]);
    expect(t.requiredTaps().some((r) => (Object.values(RPN_TAPS) as string[]).includes(r.tap))).toBe(false);
    const b = batch();
    const values = regionTaps(); // no RPN taps at all
    const l = t.losses(stepContext(values, undefined, ['cls', 'box'], b));
    expect(Object.keys(l)).toEqual(['cls', 'box']);
    // a run never activates them for such a model; if something did, it is a bug, not a user error
    expect(() => t.losses(stepContext(values, undefined, ['rpn_box'], b))).toThrow(
      /rpn_box active but model 'student' \(rpn-detector\) has no RPN/,
    );
    tf.dispose([...Object.values(l), ...Object.values(values), ...Object.values(b)]);
  });

  it('refuses, in one line naming the model, a partial set of RPN taps or an objectness tap of the wrong shape', () => {
    const partial = new RpnDetector([RPN_TAPS.anchors, RPN_TAPS.rpnDeltas]);
    expect(() => task(partial)).toThrow(UserError);
    expect(() => task(partial)).toThrow(
      /^detection task: model 'student' \(rpn-detector\) declares only some RPN taps: missing rpnObjectness \(/,
    );
    const wrong = new RpnDetector(undefined, [A, 2]);
    expect(() => task(wrong)).toThrow(/model 'student' \(rpn-detector\) has rpnObjectness \[7, 2\], expected \[A\]/);
  });
});
