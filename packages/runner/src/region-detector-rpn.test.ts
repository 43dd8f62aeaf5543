/** The detection task's RPN terms on region-detector's own RPN (options.rpn): real model, real task. */
import * as tf from '@tensorflow/tfjs';
import { BASE_NOVEL_CLASSES, facetEntry, facets, type Batch, type DataInfo } from '@kd/core';
import { architectures, type RegionDetector } from '@kd/models';
import { DetectionTask, RPN_TAPS, detectionHParams } from '@kd/tasks';
import { participant, stepContext } from '@kd/testing';
import { describe, expect, it } from 'vitest';

const K = 3;
const data: DataInfo = {
  name: 'toy-scenes',
  inputShape: [32, 32, 1],
  numClasses: K,
  classNames: ['a', 'b', 'c'],
  facets: facets(facetEntry(BASE_NOVEL_CLASSES, { base: [0, 1], novel: [2] })),
};

const batch = (): Batch => ({
  x: tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 9),
  boxes: tf.tensor3d([
    [
      [2, 3, 14, 15],
      [16, 10, 30, 28],
    ],
    [
      [8, 8, 24, 20],
      [0, 0, 0, 0],
    ],
  ]),
  boxClasses: tf.tensor2d(
    [
      [0, 1],
      [1, 0],
    ],
    undefined,
    'int32',
  ),
  boxCount: tf.tensor1d([2, 1], 'int32'),
});

describe('detection task × region-detector with an RPN', () => {
  it('the task finds the RPN taps; its RPN terms train the RPN head and the backbone, its region terms no RPN weight; flat tensor count', () => {
    const model = architectures
      .find((a) => a.id === 'region-detector')!
      .build({
        inputShape: data.inputShape,
        numClasses: K,
        seed: 2,
        options: { width: 4, regions: 8, pool: 2, hidden: 8, rpn: { sizes: [8, 16] } },
      }) as RegionDetector;
    const task = new DetectionTask();
    task.setup({
      hparams: detectionHParams.parse({}),
      data,
      student: participant('student', 'student', model),
      tap: (_role, name) => model.tapSpecs()[name]!,
    });
    expect(task.unavailableTerms(model)).toEqual([]);
    const taps = new Set(task.requiredTaps().map((r) => r.tap));
    expect(taps).toEqual(
      new Set([...Object.values(RPN_TAPS), 'regionLogits', 'boxDeltas', 'regionBoxes', 'regionMask']),
    );
    const vars = model.namedParameters();
    const b = batch();
    const norms = (terms: string[]) => {
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(b, { training: true, taps });
        const losses = task.losses(stepContext(out, undefined, terms, b));
        expect(Object.keys(losses).sort()).toEqual([...terms].sort());
        return tf.addN(Object.values(losses)) as tf.Scalar;
      }, [...vars.values()]);
      const out = new Map(
        [...vars].map(([k, v]) => [k, grads[v.name] ? tf.tidy(() => tf.norm(grads[v.name]!).dataSync()[0]!) : 0]),
      );
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    norms(['rpn_objectness', 'rpn_box']);
    norms(['cls', 'box']);
    const before = tf.memory().numTensors;
    const fromRpn = norms(['rpn_objectness', 'rpn_box']);
    for (const k of ['rpn.conv1.weight', 'rpn.objectness.weight', 'rpn.deltas.weight', 'conv1.weight'])
      expect(fromRpn.get(k), k).toBeGreaterThan(0);
    for (const k of ['classifier.weight', 'head.fc.weight']) expect(fromRpn.get(k), k).toBe(0);
    const fromHead = norms(['cls', 'box']);
    for (const k of ['conv1.weight', 'classifier.weight', 'boxRegressor.weight'])
      expect(fromHead.get(k), k).toBeGreaterThan(0);
    for (const k of [...vars.keys()].filter((k) => k.startsWith('rpn.'))) expect(fromHead.get(k), k).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(b));
    model.dispose();
  });
});
