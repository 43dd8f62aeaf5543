/** The WSD-KD architectures: WSDDN (the weakly supervised teacher) and roi-classifier (the student). */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, stepHelpers, type StepContext, type TapValues } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import type { RoiClassifier } from './roi-classifier.js';
import type { Wsddn } from './wsddn.js';
import { wsddnCrossEntropy } from './wsddn-scores.js';
import { WSD_CLASSES, WSD_SIZE, wsdBatch } from '../test/wsd-batch.js';

const build = <T>(id: string, options: Record<string, unknown>, seed = 5) =>
  architectures
    .find((a) => a.id === id)!
    .build({ inputShape: [WSD_SIZE, WSD_SIZE, 1], numClasses: WSD_CLASSES, seed, options }) as T;
const SMALL = { widths: [2, 3, 4], regions: 4, pool: 2, hidden: 6 };
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

function step(student: TapValues, batch = wsdBatch()): StepContext {
  return {
    ...stepHelpers({ student }, [], () => true),
    batch,
    outputs: { student },
    student,
    active: new Set(['bce']),
  } as never;
}

describe('wsddn', () => {
  it('returns every declared tap with its declared shape; the map is pooled from the image enlarged inputScale times', () => {
    const model = build<Wsddn>('wsddn', SMALL);
    const once = build<Wsddn>('wsddn', { ...SMALL, inputScale: 1 });
    tf.tidy(() => {
      const out = model.forward(wsdBatch(), { training: false });
      for (const [name, spec] of Object.entries(model.tapSpecs())) {
        expect(out[name], name).toBeDefined();
        expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
      }
      expect(model.tapSpecs().feature!.shape).toEqual([8, 8, 4]); // 32 px at stride 4
      expect(once.tapSpecs().feature!.shape).toEqual([4, 4, 4]);
    });
    model.dispose();
    once.dispose();
  });

  it('image scores = Σ_r of the region scores, in (0, 1); padded regions score 0; logits are their log-odds', () => {
    const model = build<Wsddn>('wsddn', SMALL);
    tf.tidy(() => {
      const out = model.forward(wsdBatch(), { training: false });
      expect(maxDiff(out['scores']!, tf.sum(out['regionScores']!, 1))).toBeLessThan(1e-6);
      const s = out['scores']!.dataSync();
      expect(Math.min(...s)).toBeGreaterThan(0);
      expect(Math.max(...s)).toBeLessThan(1);
      const padded = tf.slice(out['regionScores']!, [1, 1, 0], [1, 3, WSD_CLASSES]);
      expect(tf.max(tf.abs(padded)).dataSync()[0]).toBe(0);
      expect(maxDiff(tf.sigmoid(out['logits']!), out['scores']!)).toBeLessThan(1e-5);
    });
    model.dispose();
  });

  it('scales each pooled region by its score: a proposal with score ≤ 0 (normalized) is pooled as zeros, as a padded one', () => {
    const model = build<Wsddn>('wsddn', { ...SMALL, proposalScores: 'normalized' });
    const plain = build<Wsddn>('wsddn', { ...SMALL, proposalScores: 'none' });
    tf.tidy(() => {
      const f = model.forward(wsdBatch(), { training: false })['regionFeatures']!;
      const negative = tf.slice(f, [0, 2, 0], [1, 1, -1]); // score −0.2 → weight 0
      const padded = tf.slice(f, [1, 1, 0], [1, 1, -1]);
      expect(maxDiff(negative, padded)).toBe(0);
      const g = plain.forward(wsdBatch(), { training: false })['regionFeatures']!;
      expect(maxDiff(tf.slice(g, [0, 2, 0], [1, 1, -1]), padded)).toBeGreaterThan(0); // the same weights, unscaled
    });
    model.dispose();
    plain.dispose();
  });

  it("supplies the multi-label task's bce as its clipped cross-entropy on the scores (no sigmoid), for that task only", () => {
    const model = build<Wsddn>('wsddn', SMALL);
    expect(model.ownTaskLoss('classification')).toBeUndefined();
    tf.tidy(() => {
      const batch = wsdBatch();
      const out = model.forward(batch, { training: true, taps: new Set(['logits']) });
      expect(out['scores']).toBeDefined(); // always returned: the loss reads it
      const bce = model.ownTaskLoss('multi-label')!.losses(step(out, batch))['bce']!;
      const expected = wsddnCrossEntropy(out['scores'] as tf.Tensor2D, batch['y'] as tf.Tensor2D);
      expect(bce.dataSync()[0]).toBeCloseTo(expected.dataSync()[0]!, 6);
    });
    model.dispose();
  });

  it('its loss reaches every parameter (backbone, fc6/fc7, both branches); no tensor leaks', () => {
    const model = build<Wsddn>('wsddn', SMALL);
    const batch = wsdBatch();
    const params = model.namedParameters();
    const run = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const out = model.forward(batch, { training: true, taps: new Set(['logits']) });
          return model.ownTaskLoss('multi-label')!.losses(step(out, batch))['bce']!;
        }, [...params.values()]);
        return [...params].map(
          ([path, v]) => [path, grads[v.name] ? tf.max(tf.abs(grads[v.name]!)).dataSync()[0]! : 0] as const,
        );
      });
    const norms = run();
    for (const [name, v] of norms) expect(v, name).toBeGreaterThan(0);
    expect(norms.length).toBe(params.size);
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    tf.dispose(Object.values(batch));
  });

  it('refuses an unknown option naming it', () => {
    expect(() => build('wsddn', { depth: 3 })).toThrow(ConfigError);
    expect(() => build('wsddn', { depth: 3 })).toThrow(/options\.depth/);
  });
});

describe('roi-classifier', () => {
  it('returns every declared tap; regionFeatures only when asked for', () => {
    const model = build<RoiClassifier>('roi-classifier', SMALL);
    tf.tidy(() => {
      const out = model.forward(wsdBatch(), { training: false });
      for (const [name, spec] of Object.entries(model.tapSpecs())) {
        expect(out[name], name).toBeDefined();
        expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
      }
      const lean = model.forward(wsdBatch(), { training: false, taps: new Set(['logits']) });
      expect(lean['regionFeatures']).toBeUndefined();
    });
    model.dispose();
  });

  it('the image path is the whole map max-pooled to pool × pool (= a 2×2 max pool when the map is twice the grid) through fc6/fc7', () => {
    const model = build<RoiClassifier>('roi-classifier', SMALL);
    tf.tidy(() => {
      const out = model.forward(wsdBatch(), { training: false });
      const map = out['feature'] as tf.Tensor4D; // 4 × 4, pool 2
      const pooled = tf.reshape(tf.maxPool(map, 2, 2, 'valid'), [2, -1]);
      const h = tf.relu(model.head.fc7.apply(tf.relu(model.head.fc6.apply(pooled))));
      expect(maxDiff(out['embedding']!, h)).toBeLessThan(1e-5);
      expect(maxDiff(out['logits']!, model.classifier.apply(h))).toBeLessThan(1e-5);
    });
    model.dispose();
  });

  it('a loss on regionFeatures trains the backbone and fc6/fc7 but not the classifier; the logits train everything', () => {
    const model = build<RoiClassifier>('roi-classifier', SMALL);
    const batch = wsdBatch();
    const params = model.namedParameters();
    const grads = (tap: string): Map<string, number> => {
      const out = new Map<string, number>();
      tf.tidy(() => {
        const { grads: g } = tf.variableGrads(
          () => tf.sum(tf.square(model.forward(batch, { training: true })[tap]!)) as tf.Scalar,
          [...params.values()],
        );
        for (const [path, v] of params) out.set(path, g[v.name] ? tf.max(tf.abs(g[v.name]!)).dataSync()[0]! : 0);
      });
      return out;
    };
    const region = grads('regionFeatures');
    const logits = grads('logits');
    for (const [name] of params) {
      expect(logits.get(name), name).toBeGreaterThan(0);
      if (name.startsWith('classifier.')) expect(region.get(name), name).toBe(0);
      else expect(region.get(name), name).toBeGreaterThan(0);
    }
    model.dispose();
    tf.dispose(Object.values(batch));
  });
});
