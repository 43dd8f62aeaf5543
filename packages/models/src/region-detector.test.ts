import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { ConfigError, UserError, type Batch } from '@kd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import { roiAlign } from './roi-pool.js';
import type { RegionDetector } from './region-detector.js';

const arch = architectures.find((a) => a.id === 'region-detector')!;
const K = 3;
const OPTIONS = { width: 4, regions: 3, pool: 2, hidden: 8 };

/** Two 16×16 images with 4 proposal slots each; image 1 has one real proposal (the rest is padding). */
function batch(padBox: number[] = [0, 0, 4, 4], source = ''): Batch {
  const prefix = source === '' ? 'proposal' : `${source}Proposal`;
  return {
    x: tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3),
    [source === '' ? 'proposals' : `${source}Proposals`]: tf.tensor3d([
      [
        [0, 0, 8, 8],
        [4, 4, 16, 12],
        [2, 2, 6, 14],
        [0, 0, 16, 16],
      ],
      [[1, 1, 9, 9], padBox, [0, 0, 0, 0], [0, 0, 0, 0]],
    ]),
    [`${prefix}Mask`]: tf.tensor2d(
      [
        [1, 1, 1, 1],
        [1, 0, 0, 0],
      ],
      [2, 4],
    ),
  };
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('region-detector: CNN backbone → RoIAlign over proposals → region classes + box deltas', () => {
  let model: RegionDetector;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
    model = arch.build({ inputShape: [16, 16, 1], numClasses: K, seed: 4, options: OPTIONS }) as RegionDetector;
  });
  afterAll(() => model.dispose());

  it('returns every declared tap with its declared shape', () => {
    tf.tidy(() => {
      const out = model.forward(batch(), { training: false });
      for (const [name, spec] of Object.entries(model.tapSpecs())) {
        expect(out[name], name).toBeDefined();
        expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
      }
      expect(model.tapSpecs().regionLogits!.shape).toEqual([3, K + 1]);
    });
  });

  it('pools the first R proposals of each image from the backbone map (RoIAlign, stride 4, sampling 2) and passes their boxes and mask on', () => {
    tf.tidy(() => {
      const out = model.forward(batch(), { training: false });
      const direct = roiAlign(
        out['feature'] as tf.Tensor4D,
        [
          [4, 4, 16, 12],
          [1, 1, 9, 9],
        ],
        [0, 1],
        [16, 16],
        [2, 2],
        { sampling: 2 },
      ).reshape([2, -1]);
      const features = out['regionFeatures']!;
      const taken = tf.stack([
        features.slice([0, 1, 0], [1, 1, -1]).reshape([-1]),
        features.slice([1, 0, 0], [1, 1, -1]).reshape([-1]),
      ]);
      expect(maxDiff(direct, taken)).toBeLessThan(1e-6);
      expect(out['regionBoxes']!.arraySync()).toEqual([
        [
          [0, 0, 8, 8],
          [4, 4, 16, 12],
          [2, 2, 6, 14],
        ],
        [
          [1, 1, 9, 9],
          [0, 0, 4, 4],
          [0, 0, 0, 0],
        ],
      ]);
      expect(out['regionMask']!.arraySync()).toEqual([
        [1, 1, 1],
        [1, 0, 0],
      ]);
    });
  });

  it('image-level logits: log-odds of the best real region probability of each class; padded regions do not count', () => {
    tf.tidy(() => {
      const out = model.forward(batch(), { training: false });
      const p = tf.softmax(out['regionLogits']!).arraySync() as number[][][];
      const mask = [
        [1, 1, 1],
        [1, 0, 0],
      ];
      const want = p
        .map((img, i) =>
          Array.from({ length: K }, (_, c) => Math.max(...img.filter((_, r) => mask[i]![r]).map((row) => row[c + 1]!))),
        )
        .map((row) => row.map((q) => Math.log(q / (1 - q))));
      expect(maxDiff(out['logits']!, tf.tensor2d(want))).toBeLessThan(1e-4);
      const moved = model.forward(batch([3, 3, 15, 15]), { training: false, taps: new Set(['logits']) });
      expect(maxDiff(out['logits']!, moved['logits']!)).toBe(0);
    });
  });

  it('starts with box deltas near 0 (regressor N(0, 0.001²), bias 0), so regions start on their proposals', () => {
    tf.tidy(() => {
      const out = model.forward(batch(), { training: false, taps: new Set(['boxDeltas']) });
      expect(tf.max(tf.abs(out['boxDeltas']!)).dataSync()[0]).toBeLessThan(0.05);
    });
  });

  it('trains end to end: a region classification + box loss reaches the backbone, the head, the classifier and the regressor; flat tensor count', () => {
    const vars = model.namedParameters();
    const b = batch();
    const loss = () => {
      const out = model.forward(b, { training: true, taps: new Set(['regionLogits', 'boxDeltas']) });
      const labels = tf.oneHot(tf.tensor1d([1, 0, 2, 3, 0, 0], 'int32'), K + 1);
      const cls = tf.losses.softmaxCrossEntropy(labels, out['regionLogits']!.reshape([6, K + 1]));
      return tf.add(cls, tf.mean(tf.abs(tf.sub(out['boxDeltas']!, 0.5)))) as tf.Scalar;
    };
    tf.dispose(tf.variableGrads(loss, [...vars.values()]).grads);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(loss, [...vars.values()]);
    const norm = (k: string) => tf.tidy(() => tf.norm(grads[vars.get(k)!.name]!).dataSync()[0]!);
    for (const k of ['conv1.weight', 'head.conv1.weight', 'head.fc.weight', 'classifier.weight', 'boxRegressor.weight'])
      expect(norm(k), k).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(b));
  });

  it('reads the proposal source named by options.proposals and declares its keys; too few proposals is a user error', () => {
    const biased = arch.build({
      inputShape: [16, 16, 1],
      numClasses: K,
      seed: 4,
      options: { ...OPTIONS, proposals: 'biased' },
    });
    expect(biased.requiredBatchKeys().map((k) => k.key)).toEqual(['x', 'biasedProposals', 'biasedProposalMask']);
    tf.tidy(() => {
      expect(biased.forward(batch(undefined, 'biased'), { training: false })['regionLogits']!.shape).toEqual([
        2,
        3,
        K + 1,
      ]);
    });
    expect(() => tf.tidy(() => void biased.forward(batch(), { training: false }))).toThrow(
      /no 'biasedProposals'\/'biasedProposalMask'/,
    );
    biased.dispose();
    const many = arch.build({ inputShape: [16, 16, 1], numClasses: K, seed: 4, options: { ...OPTIONS, regions: 5 } });
    expect(() => tf.tidy(() => void many.forward(batch(), { training: false }))).toThrow(UserError);
    many.dispose();
    expect(() => arch.build({ inputShape: [16, 16, 1], numClasses: K, seed: 4, options: { anchors: 3 } })).toThrow(
      ConfigError,
    );
  });
});
