import * as tf from '@tensorflow/tfjs';
import { ConfigError, UserError, type DataInfo } from '@kd/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegionDetector } from './region-detector.js';
import {
  SMALL_REGION_DETECTOR,
  VILD_CLASSES as K,
  VILD_DIM as D,
  VILD_EMBEDDINGS as EMBEDDINGS,
  buildRegionDetector,
  regionBatch as batch,
  removeDir,
  tempDir,
  toyScenesData,
  useWasmBackend,
  writeClassEmbeddings,
  writeJson,
} from '../test/vild-detector-fixture.js';

const CLASSES = ['cat', 'dog', 'owl'];
const data = toyScenesData(CLASSES, [1]);
const dir = tempDir('vild-text');
const writeFile = (name: string, content: unknown) => writeJson(dir, name, content);
const GOOD = writeClassEmbeddings(dir, CLASSES, EMBEDDINGS, { name: 'good.json', source: { test: true } });
const options = (classifier: Record<string, unknown>) => ({
  ...SMALL_REGION_DETECTOR,
  classifier: { embeddings: GOOD, ...classifier },
});
const build = (classifier: Record<string, unknown> = {}, withData: DataInfo | undefined = data) =>
  buildRegionDetector(dir, options(classifier), withData);

const l2 = (row: number[]) => {
  const n = Math.hypot(...row);
  return row.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('region-detector with ViLD-text (options.classifier): cosines with frozen class text embeddings / τ', () => {
  let model: RegionDetector;
  beforeAll(async () => {
    await useWasmBackend();
    model = build();
  });
  afterAll(() => {
    model.dispose();
    removeDir(dir);
  });

  it('regionVisualEmbedding [R, D] is normalised; regionLogits are its cosines with [bg, t_1..t_K] / 0.01 in evaluation', () => {
    expect(model.tapSpecs()['regionVisualEmbedding']!.shape).toEqual([3, D]);
    const out = model.forward(batch(), { training: false });
    for (const [name, spec] of Object.entries(model.tapSpecs()))
      expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
    const visual = (out['regionVisualEmbedding']!.arraySync() as number[][][]).flat();
    const logits = (out['regionLogits']!.arraySync() as number[][][]).flat();
    const bg = l2(Array.from(model.textClassifier!.background.dataSync()));
    const text = EMBEDDINGS.map(l2);
    visual.forEach((e, n) => {
      expect(Math.hypot(...e)).toBeCloseTo(1, 5);
      const expected = [bg, ...text].map((c) => dot(e, c) / 0.01);
      expected.forEach((z, col) => expect(logits[n]![col]!).toBeCloseTo(z, 3));
    });
    tf.dispose(Object.values(out));
  });

  it("training: the novel class's logit (BASE_NOVEL_CLASSES) is × 0 with novel: mask (default), −1e9 with remove; evaluation scores it", () => {
    const b = batch();
    const column = (m: RegionDetector, training: boolean) =>
      tf.tidy(() => {
        const z = m.forward(b, { training, taps: new Set(['regionLogits']) })['regionLogits']!;
        return Array.from(tf.slice(z, [0, 0, 2], [2, 3, 1]).dataSync());
      });
    for (const z of column(model, true)) expect(Math.abs(z)).toBe(0);
    for (const z of column(model, false)) expect(Math.abs(z)).toBeGreaterThan(0);
    const removing = build({ novel: 'remove', temperature: 0.5 });
    for (const z of column(removing, true)) expect(z).toBe(-1e9);
    for (const z of column(removing, false)) expect(Math.abs(z)).toBeLessThanOrEqual(2);
    removing.dispose();
    // without a base/novel split every class is a base class
    const noSplit = build({}, { ...data, facets: undefined });
    for (const z of column(noSplit, true)) expect(Math.abs(z)).toBeGreaterThan(0);
    noSplit.dispose();
    tf.dispose(Object.values(b));
  });

  it('gradients: the backbone, head, projection and background embedding get one; the text embeddings are no variable; no linear classifier; flat tensor count', () => {
    const vars = model.namedParameters();
    expect([...vars.keys()].filter((k) => k.startsWith('textClassifier.')).sort()).toEqual([
      'textClassifier.background',
      'textClassifier.projection.bias',
      'textClassifier.projection.weight',
    ]);
    expect([...vars.keys()].some((k) => k.startsWith('classifier.'))).toBe(false);
    // no trainable variable holds the K × D text embeddings
    expect([...vars.values()].some((v) => v.shape.length === 2 && v.shape[0] === K && v.shape[1] === D)).toBe(false);
    const b = batch();
    const loss = () => {
      const out = model.forward(b, { training: true, taps: new Set(['regionLogits', 'boxDeltas']) });
      const labels = tf.oneHot(tf.tensor1d([1, 0, 3, 0, 0, 1], 'int32'), K + 1);
      const cls = tf.losses.softmaxCrossEntropy(labels, out['regionLogits']!.reshape([6, K + 1]));
      return tf.add(cls, tf.mean(tf.abs(tf.sub(out['boxDeltas']!, 0.5)))) as tf.Scalar;
    };
    tf.dispose(tf.variableGrads(loss, [...vars.values()]).grads);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(loss, [...vars.values()]);
    const norm = (k: string) => tf.tidy(() => tf.norm(grads[vars.get(k)!.name]!).dataSync()[0]!);
    for (const k of [
      'conv1.weight',
      'head.conv1.weight',
      'head.fc.weight',
      'textClassifier.projection.weight',
      'textClassifier.background',
      'boxRegressor.weight',
    ])
      expect(norm(k), k).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    const forwardOnly = tf.memory().numTensors;
    tf.dispose(Object.values(model.forward(b, { training: true })));
    expect(tf.memory().numTensors).toBe(forwardOnly);
    tf.dispose(Object.values(b));
  });

  it('build errors: other class names, a row of the wrong size, a missing file, a bad option (one line, naming the file)', () => {
    const other = writeFile('other.json', {
      classes: ['cat', 'owl', 'dog'],
      dim: D,
      embeddings: EMBEDDINGS,
      source: {},
    });
    expect(() => build({ embeddings: other })).toThrow(UserError);
    expect(() => build({ embeddings: other })).toThrow(
      /other\.json: its classes \[cat, owl, dog\] are not the dataset's \[cat, dog, owl\]/,
    );
    const fewer = writeFile('fewer.json', {
      classes: ['cat', 'dog'],
      dim: D,
      embeddings: EMBEDDINGS.slice(0, 2),
      source: {},
    });
    expect(() => build({ embeddings: fewer })).toThrow(/fewer\.json: its classes/);
    // without the dataset's names (no data): the count must still match
    expect(() => build({ embeddings: fewer }, undefined)).toThrow(/fewer\.json: its classes/);
    const wrongDim = writeFile('dim.json', { classes: CLASSES, dim: 4, embeddings: EMBEDDINGS, source: {} });
    expect(() => build({ embeddings: wrongDim })).toThrow(
      /dim\.json: not a class-embeddings file \(embeddings\[0\]: 4 finite numbers expected\)/,
    );
    expect(() => build({ embeddings: 'absent.json' })).toThrow(/class-embeddings file not found: .*absent\.json/);
    for (const make of [() => build({ embeddings: wrongDim }), () => build({ embeddings: 'absent.json' })]) {
      try {
        make();
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        expect((e as Error).message).not.toContain('\n');
      }
    }
    expect(() => build({ novel: 'drop' })).toThrow(ConfigError);
    expect(() => build({ temperature: 0 })).toThrow(ConfigError);
    expect(() => build({ extra: 1 })).toThrow(ConfigError);
  });
});
