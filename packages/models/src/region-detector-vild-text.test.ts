import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { BASE_NOVEL_CLASSES, ConfigError, UserError, facetEntry, facets, type Batch, type DataInfo } from '@kd/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import type { RegionDetector } from './region-detector.js';

const arch = architectures.find((a) => a.id === 'region-detector')!;
const K = 3;
const D = 5;
const CLASSES = ['cat', 'dog', 'owl'];
const data: DataInfo = {
  name: 'toy-scenes',
  inputShape: [16, 16, 1],
  numClasses: K,
  classNames: CLASSES,
  facets: facets(facetEntry(BASE_NOVEL_CLASSES, { base: [0, 2], novel: [1] })),
};
/** Unnormalised rows on purpose: the classifier normalises them. */
const EMBEDDINGS = [
  [1, 0, 0, 2, 0],
  [0, 3, 0, 0, 1],
  [0, 0, -1, 1, 1],
];
const dir = mkdtempSync(join(tmpdir(), 'kd-vild-text-'));
const writeFile = (name: string, content: unknown) => {
  writeFileSync(join(dir, name), JSON.stringify(content));
  return name;
};
const GOOD = writeFile('good.json', { classes: CLASSES, dim: D, embeddings: EMBEDDINGS, source: { test: true } });
const options = (classifier: Record<string, unknown>) => ({
  width: 4,
  regions: 3,
  pool: 2,
  hidden: 8,
  classifier: { embeddings: GOOD, ...classifier },
});
const build = (classifier: Record<string, unknown> = {}, withData: DataInfo | undefined = data) =>
  arch.build({
    inputShape: [16, 16, 1],
    numClasses: K,
    seed: 4,
    data: withData,
    baseDir: dir,
    options: options(classifier),
  }) as RegionDetector;

function batch(): Batch {
  return {
    x: tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3),
    proposals: tf.tensor3d([
      [
        [0, 0, 8, 8],
        [4, 4, 16, 12],
        [2, 2, 6, 14],
      ],
      [
        [1, 1, 9, 9],
        [0, 0, 16, 16],
        [3, 5, 12, 10],
      ],
    ]),
    proposalMask: tf.ones([2, 3]),
  };
}

const l2 = (row: number[]) => {
  const n = Math.hypot(...row);
  return row.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('region-detector with ViLD-text (options.classifier): cosines with frozen class text embeddings / τ', () => {
  let model: RegionDetector;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
    model = build();
  });
  afterAll(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
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
