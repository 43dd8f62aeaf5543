import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { ConfigError, UserError, type Batch } from '@kd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import { anchorGrid } from './anchor-grid.js';
import { filterProposals } from './rpn-proposals.js';
import { RPN_DEFAULTS } from './rpn-regions.js';
import type { RegionDetector } from './region-detector.js';

const arch = architectures.find((a) => a.id === 'region-detector')!;
const K = 3;
const RPN = { sizes: [4, 8], preNms: 50, nmsIou: 0.7 };
const OPTIONS = { width: 4, regions: 6, pool: 2, hidden: 8, rpn: RPN };
const build = (options: Record<string, unknown> = OPTIONS) =>
  arch.build({ inputShape: [16, 16, 1], numClasses: K, seed: 4, options }) as RegionDetector;

/** Two 16×16 images; image 0 has 2 annotated boxes, image 1 one (its other slot is padding). */
function batch(): Batch {
  return {
    x: tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3),
    boxes: tf.tensor3d([
      [
        [1, 2, 9, 10],
        [6, 5, 15, 16],
      ],
      [
        [0, 0, 7, 7],
        [-1, -1, -1, -1],
      ],
    ]),
    boxCount: tf.tensor1d([2, 1], 'int32'),
  };
}

describe('region-detector with an RPN (options.rpn): anchors → objectness + deltas → proposals → regions', () => {
  let model: RegionDetector;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
    model = build();
  });
  afterAll(() => model.dispose());

  it('declares the RPN taps (A = 4×4 cells × 2 sizes × 3 ratios) and returns every tap with its declared shape', () => {
    const specs = model.tapSpecs();
    expect(specs['anchors']!.shape).toEqual([96, 4]);
    expect(specs['rpnObjectness']!.shape).toEqual([96]);
    expect(specs['rpnDeltas']!.shape).toEqual([96, 4]);
    tf.tidy(() => {
      const out = model.forward(batch(), { training: false });
      for (const [name, spec] of Object.entries(specs)) expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
      const anchors = anchorGrid({ featureSize: [4, 4], imageSize: [16, 16], sizes: [4, 8], ratios: [0.5, 1, 2] });
      expect(Array.from(out['anchors']!.dataSync())).toEqual([...anchors, ...anchors]);
    });
  });

  it('the RPN head is torchvision RPNHead: 1 conv3x3 + two 1×1 convs, weights N(0, 0.01²), biases 0; backbone weights as without an RPN', () => {
    const params = model.namedParameters();
    const names = [...params.keys()].filter((k) => k.startsWith('rpn.'));
    expect(names.sort()).toEqual(
      [
        'rpn.conv1.weight',
        'rpn.conv1.bias',
        'rpn.objectness.weight',
        'rpn.objectness.bias',
        'rpn.deltas.weight',
        'rpn.deltas.bias',
      ].sort(),
    );
    expect(params.get('rpn.objectness.weight')!.shape).toEqual([1, 1, 8, 6]);
    expect(params.get('rpn.deltas.weight')!.shape).toEqual([1, 1, 8, 24]);
    const std = tf.tidy(() => tf.moments(params.get('rpn.conv1.weight')!).variance.sqrt().dataSync()[0]!);
    expect(std).toBeGreaterThan(0.008);
    expect(std).toBeLessThan(0.012);
    for (const b of ['rpn.conv1.bias', 'rpn.objectness.bias', 'rpn.deltas.bias'])
      expect(
        tf.tidy(() => tf.max(tf.abs(params.get(b)!)).dataSync()[0]),
        b,
      ).toBe(0);
    const plain = build({ width: 4, regions: 6, pool: 2, hidden: 8 });
    for (const [name, v] of plain.namedParameters())
      expect(Array.from(v.dataSync()), name).toEqual(Array.from(params.get(name)!.dataSync()));
    plain.dispose();
  });

  it('evaluation: the regions are the proposals of its own taps (filter_proposals, post-NMS R), padded with zero boxes and mask 0', () => {
    const small = build({ ...OPTIONS, rpn: { ...RPN, preNms: 3 } });
    for (const [m, preNms] of [
      [model, 50],
      [small, 3],
    ] as const)
      tf.tidy(() => {
        const out = m.forward(batch(), { training: false });
        const anchors = out['anchors']!.dataSync().subarray(0, 96 * 4);
        const boxes = out['regionBoxes']!.dataSync();
        const mask = out['regionMask']!.dataSync();
        for (let i = 0; i < 2; i++) {
          const p = filterProposals(
            anchors,
            out['rpnObjectness']!.dataSync().subarray(i * 96, (i + 1) * 96),
            out['rpnDeltas']!.dataSync().subarray(i * 96 * 4, (i + 1) * 96 * 4),
            { imageSize: [16, 16], preNms, postNms: 6, nmsIou: 0.7, minSize: RPN_DEFAULTS.minSize },
          );
          const n = p.scores.length;
          expect(n).toBeGreaterThan(0);
          expect(Array.from(boxes.subarray(i * 24, i * 24 + n * 4))).toEqual(Array.from(p.boxes));
          expect(Array.from(mask.subarray(i * 6, i * 6 + 6))).toEqual([...Array(n).fill(1), ...Array(6 - n).fill(0)]);
          expect(Array.from(boxes.subarray(i * 24 + n * 4, i * 24 + 24)).every((v) => v === 0)).toBe(true);
        }
      });
    expect(Array.from(tf.tidy(() => small.forward(batch(), { training: false })['regionMask']!.dataSync()))).toEqual([
      1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0,
    ]);
    small.dispose();
  });

  it('training: the annotated boxes follow the best R − g proposals (addGtBoxes, default on); off, or in evaluation, R proposals', () => {
    tf.tidy(() => {
      const b = batch();
      const evalBoxes = model.forward(b, { training: false })['regionBoxes']!.arraySync() as number[][][];
      const out = model.forward(b, { training: true });
      const boxes = out['regionBoxes']!.arraySync() as number[][][];
      const mask = out['regionMask']!.arraySync() as number[][];
      expect(boxes[0]!.slice(4)).toEqual([
        [1, 2, 9, 10],
        [6, 5, 15, 16],
      ]);
      expect(boxes[1]![5]).toEqual([0, 0, 7, 7]);
      expect(mask).toEqual([Array(6).fill(1), Array(6).fill(1)]);
      // before them: the best R − g proposals of the training pass's own taps (batch-norm statistics of the batch)
      for (const [img, g] of [
        [0, 2],
        [1, 1],
      ] as const) {
        const p = filterProposals(
          out['anchors']!.dataSync().subarray(0, 96 * 4),
          out['rpnObjectness']!.dataSync().subarray(img * 96, (img + 1) * 96),
          out['rpnDeltas']!.dataSync().subarray(img * 96 * 4, (img + 1) * 96 * 4),
          { imageSize: [16, 16], preNms: 50, postNms: 6 - g, nmsIou: 0.7, minSize: RPN_DEFAULTS.minSize },
        );
        expect(p.scores.length).toBe(6 - g);
        expect(boxes[img]!.slice(0, 6 - g).flat()).toEqual(Array.from(p.boxes));
      }
      expect(evalBoxes[0]!.slice(4)).not.toEqual(boxes[0]!.slice(4));
    });
    const off = build({ ...OPTIONS, rpn: { ...RPN, addGtBoxes: false } });
    expect(off.requiredBatchKeys().map((k) => k.key)).toEqual(['x']);
    expect(model.requiredBatchKeys().map((k) => k.key)).toEqual(['x', 'boxes', 'boxCount']);
    tf.tidy(() => {
      const b = batch();
      const t = off.forward(b, { training: true });
      const p = filterProposals(
        t['anchors']!.dataSync().subarray(0, 96 * 4),
        t['rpnObjectness']!.dataSync().subarray(0, 96),
        t['rpnDeltas']!.dataSync().subarray(0, 96 * 4),
        { imageSize: [16, 16], preNms: 50, postNms: 6, nmsIou: 0.7, minSize: RPN_DEFAULTS.minSize },
      );
      expect(Array.from(t['regionBoxes']!.dataSync().subarray(0, p.boxes.length))).toEqual(Array.from(p.boxes));
      expect(p.scores.length).toBe(6);
      const noBoxes = { x: b['x']! };
      expect(() => off.forward(noBoxes, { training: true })).not.toThrow();
      expect(() => model.forward(noBoxes, { training: true })).toThrow(UserError);
    });
    off.dispose();
  });

  it('gradients: RPN terms reach the RPN head and the backbone; region terms reach no RPN weight (proposals are constants); flat tensor count', () => {
    const vars = model.namedParameters();
    const b = batch();
    const rpnLoss = () => {
      const out = model.forward(b, { training: true, taps: new Set(['rpnObjectness', 'rpnDeltas']) });
      const labels = tf.cast(tf.greater(tf.randomUniform([2, 96], 0, 1, 'float32', 5), 0.5), 'float32');
      const bce = tf.losses.sigmoidCrossEntropy(labels, out['rpnObjectness']!);
      return tf.add(
        bce,
        tf.losses.huberLoss(tf.fill([2, 96, 4], 0.3), out['rpnDeltas']!, undefined, 1 / 9),
      ) as tf.Scalar;
    };
    const headLoss = () => {
      const out = model.forward(b, { training: true, taps: new Set(['regionLogits', 'boxDeltas']) });
      return tf.add(tf.sum(tf.square(out['regionLogits']!)), tf.sum(out['boxDeltas']!)) as tf.Scalar;
    };
    const norms = (loss: () => tf.Scalar) => {
      const { value, grads } = tf.variableGrads(loss, [...vars.values()]);
      const out = new Map(
        [...vars].map(([k, v]) => [k, grads[v.name] ? tf.tidy(() => tf.norm(grads[v.name]!).dataSync()[0]!) : 0]),
      );
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    norms(rpnLoss);
    norms(headLoss);
    const before = tf.memory().numTensors;
    const fromRpn = norms(rpnLoss);
    for (const k of ['rpn.conv1.weight', 'rpn.objectness.weight', 'rpn.deltas.weight', 'conv1.weight'])
      expect(fromRpn.get(k), k).toBeGreaterThan(0);
    expect(fromRpn.get('classifier.weight')).toBe(0);
    const fromHead = norms(headLoss);
    for (const k of ['conv1.weight', 'head.fc.weight', 'classifier.weight'])
      expect(fromHead.get(k), k).toBeGreaterThan(0);
    for (const k of [...vars.keys()].filter((k) => k.startsWith('rpn.'))) expect(fromHead.get(k), k).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(b));
  });

  it('options: rpn: true takes every default; unknown fields and a proposal source beside the RPN are config errors', () => {
    const defaults = build({ width: 4, regions: 6, rpn: true });
    expect(defaults.config.rpn).toEqual(RPN_DEFAULTS);
    expect(defaults.tapSpecs()['anchors']!.shape).toEqual([4 * 4 * 6, 4]);
    defaults.dispose();
    const none = build({ width: 4, rpn: false });
    expect(none.tapSpecs()['anchors']).toBeUndefined();
    expect(none.config.rpn).toBeUndefined();
    none.dispose();
    expect(() => build({ rpn: { anchorsPerCell: 3 } })).toThrow(ConfigError);
    expect(() => build({ rpn: { ratios: [] } })).toThrow(ConfigError);
    expect(() => build({ rpn: true, proposals: 'biased' })).toThrow(/options\.proposals.*RPN/);
  });
});
